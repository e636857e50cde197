"""The domain: what crm does, with a keyword-only `session` and an explicit `now`; never prints."""
