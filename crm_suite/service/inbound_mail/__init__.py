"""Mail in: what the app changes in Frappe's inbound path (decoding, the IMAP pull). See docs/email_in.md."""
