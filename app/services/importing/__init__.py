"""The data import of SPEC 11, in steps: read fields (reading), find what keys refer to
(catalog), apply the rules to the whole file (rules), write it in one transaction
(writing). The public API is app.services.importer."""
