"""Writing the built rows: `frappe.db.bulk_insert` in chunks (the bulk path), so the `large` scale takes
seconds, not hours. Contacts and addresses get their child rows (e-mail, phone, Dynamic Link to the
customer) here."""

import frappe

CHUNK = 5_000


def insert(doctype: str, rows: list[dict], ignore_duplicates: bool = False) -> None:
	if not rows:
		return
	fields = list(rows[0])
	values = [tuple(r[f] for f in fields) for r in rows]
	frappe.db.bulk_insert(doctype, fields, values, ignore_duplicates=ignore_duplicates, chunk_size=CHUNK)


def insert_contacts(contacts: list[dict]) -> None:
	_insert_own_fields("Contact", contacts)
	insert("Contact Email", [_child(c, "email_ids", email_id=c["email_id"], is_primary=1) for c in contacts])
	insert(
		"Contact Phone",
		[
			_child(c, "phone_nos", phone=c["phone"], is_primary_phone=1, is_primary_mobile_no=0)
			for c in contacts
		],
	)
	_insert_customer_links(contacts, "Contact", title_of=lambda c: c["company_name"])


def insert_addresses(addresses: list[dict]) -> None:
	_insert_own_fields("Address", addresses)
	_insert_customer_links(addresses, "Address", title_of=lambda a: a["_customer"])


def _insert_own_fields(doctype: str, rows: list[dict]) -> None:
	"""The rows without their "_"-prefixed keys (the builder's notes, e.g. `_customer`)."""
	insert(doctype, [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])


def _insert_customer_links(rows: list[dict], parenttype: str, title_of) -> None:
	insert(
		"Dynamic Link",
		[
			_child(
				r,
				"links",
				link_doctype="Customer",
				link_name=r["_customer"],
				link_title=title_of(r),
				parenttype=parenttype,
			)
			for r in rows
		],
	)


def _child(parent: dict, parentfield: str, parenttype: str = "Contact", **values) -> dict:
	return {
		"name": frappe.generate_hash(length=10),
		"parent": parent["name"],
		"parenttype": parenttype,
		"parentfield": parentfield,
		"creation": parent["creation"],
		"modified": parent["modified"],
		"owner": "Administrator",
		"modified_by": "Administrator",
		"docstatus": 0,
		"idx": 1,
		**values,
	}
