"""The monthly export of resolved concerns (CSV and XLSX) and the monthly report, on the web and the CLI.

* :mod:`.scope` — which month and which communes an export covers, and who may ask for it;
* :mod:`.rows` — the one query of the concerns resolved in a month and the rows every export writes;
* :mod:`.csv_writer`, :mod:`.xlsx_writer` — the two file formats;
* :mod:`.report` — the month's figures, shown on the report page and in the XLSX summary sheet;
* :mod:`.routes` — the export page and the report page; :mod:`.cli` — ``flask export-resolved``.
"""
