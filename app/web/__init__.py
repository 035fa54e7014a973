"""The web toolkit every blueprint shares, so that no blueprint imports another's routes or
forms: pages (pagination, refusals next to their field, safe redirects, page and sort
URLs), forms (filter forms, choices, the decimal field), templating (every template
filter and global, registered once by the factory) and access (who may call which
endpoint)."""
