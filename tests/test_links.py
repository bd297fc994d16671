"""Links carry their parameters safely encoded."""

from gridwatch import links


def test_enterprise_url_is_encoded():
    assert links.enterprise_url("E1") == "/enterprise?enterprise=E1"
    assert links.enterprise_url("E 1&x=<y>") == "/enterprise?enterprise=E+1%26x%3D%3Cy%3E"


def test_page_url_drops_missing_values():
    assert links.page_url("hazards", town="甲镇", level=None) == "/hazards?town=%E7%94%B2%E9%95%87"


def test_links_keep_the_language():
    assert links.enterprise_url("E1", "en") == "/enterprise?enterprise=E1&lang=en"
    assert links.page_url("hazards", lang="zh", town="甲镇") == "/hazards?town=%E7%94%B2%E9%95%87&lang=zh"
