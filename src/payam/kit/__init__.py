"""Small shared infrastructure used by every feature: errors, time, phones, pages, repositories."""
