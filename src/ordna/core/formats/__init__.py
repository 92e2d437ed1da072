"""Ordna's own locale formats (FORMAT_MODULE_PATH): Swedish and Dutch keep Django's; English is written for a
European organisation (ISO dates, the 24-hour clock), never the US month-first date or a.m./p.m."""
