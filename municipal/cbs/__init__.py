"""The quarterly delivery to CBS (Statistiek Wet Inburgering): snapshot.py gathers the records, swi.py writes
and checks the XML (our draft schema until CBS's official XSD is obtained: schema/README.md), services.py
freezes, releases and serves deliveries, routes.py the pages under /gemeente/cbs
(ADR 0015, CBS delivery as a frozen snapshot)."""
