"""Users and rules (用户与规则): the administrator's page — users, the rules file, the audit log."""

import pandas as pd
import streamlit as st

from gridwatch import admin, audit, auth, rules, ui

AUDIT_ROWS = 200

st.title(ui.t("app.page.admin"))
if auth.enabled() and ui.role() != "admin":
    st.error("⛔ " + ui.t("auth.refused", role=ui.t(f"auth.role.{ui.role()}") if ui.role() else "—",
                         roles=ui.t("auth.role.admin")))
    st.stop()
path = auth.config_path()
config = auth.load_config()
if config is None:
    st.info(ui.t("auth.admin.off", path=str(path)))
    st.subheader(ui.t("auth.admin.rules_header"))
    st.code(rules.rules_file().read_text(encoding="utf-8"), language="toml")
    st.stop()

st.subheader(ui.t("auth.admin.users_header"))
st.caption(ui.t("auth.admin.users_caption", path=str(path)))
users = pd.DataFrame.from_records([{
    ui.t("auth.admin.col_name"): u.name,
    ui.t("auth.admin.col_display"): u.display_name,
    ui.t("auth.admin.col_role"): ui.t(f"auth.role.{u.role}"),
    ui.t("auth.admin.col_towns"): ui.join(u.towns) or ui.t("auth.whole_county"),
    ui.t("auth.admin.col_staff_id"): u.staff_id or "",
    ui.t("auth.admin.col_password"): "✓" if u.password_hash else "—",
} for u in config.users.values()])
st.dataframe(users, hide_index=True, key="admin_users")

st.subheader(ui.t("auth.admin.edit_header"))
new_label = ui.t("auth.admin.edit_new")
who = st.selectbox(ui.t("auth.admin.edit_user"), ["", *config.users], key=ui.follows_language("admin_who"),
                   format_func=lambda n: n or new_label)
current = config.users.get(who)
towns_known = ui.filter_options().get("town", [])
with st.form("admin_user_form"):
    name = st.text_input(ui.t("auth.admin.new_name"), key="admin_new_name") if not current else who
    display = st.text_input(ui.t("auth.admin.display_name"), value=current.display_name if current else "")
    role = st.selectbox(ui.t("auth.admin.role"), auth.ROLES, format_func=ui.formatter("auth.role"),
                        index=auth.ROLES.index(current.role) if current else 0)
    towns = st.multiselect(ui.t("auth.admin.towns"), sorted({*towns_known, *(current.towns if current else ())}),
                           default=list(current.towns) if current else [], placeholder=ui.t("auth.whole_county"))
    staff_id = st.text_input(ui.t("auth.admin.staff_id"), value=(current.staff_id or "") if current else "")
    password = st.text_input(ui.t("auth.admin.new_password"), type="password")
    submitted = st.form_submit_button(ui.t("auth.admin.save"))
if submitted:
    if not current and not password:
        st.error(ui.t("auth.admin.need_password"))
    else:
        try:
            saved = auth.save_user(path, name.strip(), role=role, towns=tuple(towns), staff_id=staff_id.strip(),
                                   password=password or None, display_name=display.strip(),
                                   create=current is None)
        except auth.AuthConfigError as exc:
            st.error(ui.t("auth.admin.save_failed", error=ui.error_md(exc)))
        else:
            audit.record("user_saved", target=saved.name, role=saved.role, towns=list(saved.towns),
                         password_changed=bool(password))
            st.success(ui.md("auth.admin.saved", name=saved.name))

st.subheader(ui.t("auth.admin.rules_header"))
rules_path = rules.rules_file()
st.caption(ui.t("auth.admin.rules_caption", path=str(rules_path)))
with st.form("admin_rules_form"):
    text = st.text_area(ui.t("auth.admin.rules_text"), rules_path.read_text(encoding="utf-8"), height=400)
    save_rules = st.form_submit_button(ui.t("auth.admin.rules_save"))
if save_rules:
    try:
        admin.save_rules(text, rules_path)
    except admin.RulesError as exc:
        st.error(ui.t("auth.admin.rules_bad", error=ui.error_md(exc)))
    else:
        audit.record("rules_saved", file=str(rules_path))
        st.success(ui.t("auth.admin.rules_saved"))

st.subheader(ui.t("auth.admin.audit_header", n=AUDIT_ROWS))
st.caption(ui.t("auth.admin.audit_caption", path=str(audit.log_path())))
log = audit.read(AUDIT_ROWS)
if log.empty:
    st.info(ui.t("auth.admin.audit_empty"))
else:
    st.dataframe(log, hide_index=True, key="admin_audit", height=400)
