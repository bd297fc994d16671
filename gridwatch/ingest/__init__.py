"""Importing enforcement-system exports (CSV in any Chinese encoding, Excel) into the warehouse.

``reading`` decodes files and finds each table by its headers, ``mapping`` matches headers and
values (plus mapping files), ``validation`` types and checks every row in DuckDB, and
``loading`` runs one all-or-nothing import with quarantine, raw archive and import log.
"""

from gridwatch.ingest.loading import FileProblem, Report, import_files, issue_message, quarantine_download
from gridwatch.ingest.mapping import Mapping, MappingError, load_mapping, mapping_from_bytes, parse_mapping

__all__ = ["FileProblem", "Mapping", "MappingError", "Report", "import_files", "issue_message", "load_mapping",
           "mapping_from_bytes", "parse_mapping", "quarantine_download"]
