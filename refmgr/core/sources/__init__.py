"""PubMed (E-utilities) and Europe PMC clients and the enrichment that fills articles from them."""
