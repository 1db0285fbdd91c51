#!/usr/bin/env python3
"""Writes the JSON Schemas (draft 2020-12) of the `demail` CLI's output,
one per command, into this directory (README "JSON output",
docs/decisions.md D185). Every schema is self-contained: the shared
definitions are copied into each file's `$defs`, so a consumer needs no
resolver. Objects are closed (`additionalProperties: false`) and codes are
`enum`s, so a renamed field or value fails validation.

Run `python3 docs/schemas/make_schemas.py` after changing a report type
(with a directory argument it writes there instead); tests/json_schema.rs
checks that the files are this script's output and validates the real
CLI's output against them.
"""

import json
import pathlib
import sys

SCHEMA_VERSION = "1"
BASE = "https://demail.invalid/schemas/"  # an identifier, not an address


def obj(required, optional=None):
    """A closed object: `required` keys must be present, `optional` may be."""
    properties = dict(required)
    properties.update(optional or {})
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(required),
        "additionalProperties": False,
    }


def ref(name):
    return {"$ref": f"#/$defs/{name}"}


def nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def enum(*values):
    return {"type": "string", "enum": list(values)}


def array(items):
    return {"type": "array", "items": items}


STRING = {"type": "string"}
BOOL = {"type": "boolean"}
COUNT = {"type": "integer", "minimum": 0}
CODE = {"type": "string", "pattern": "^[a-z0-9_]+$"}

FAILURE_CODES = [
    "missing_integrity", "bare_line_feed", "malformed_integrity", "field_not_signed",
    "duplicate_signed_field", "body_hash_mismatch", "header_hash_mismatch", "bad_signature",
    "missing_certificate", "weak_key", "ca_cannot_sign_certificates", "untrusted_certificate",
    "key_purpose_not_accepted", "certificate_expired", "certificate_not_yet_valid",
    "no_signature_key_usage", "not_qualified", "unreadable_certificate", "signer_not_listed",
    "certificate_revoked", "status_not_confirmed", "unsigned_authoritative", "signature_required",
    "unsigned_confirmation",
]
SMIME_SIGNATURE_CODES = [
    "malformed", "unsupported_algorithm", "missing_attribute", "digest_mismatch",
    "content_type_mismatch", "missing_signer_certificate", "bad_signature", "untrusted_signer",
    "signer_expired", "signer_not_yet_valid", "signer_certificate_invalid", "certificate_revoked",
    "status_failed", "signer_address_mismatch",
]
SMIME_CODES = [
    "not_a_message", "already_sealed", "no_recipients", "certificate", "recipient_key_usage",
    "unsupported_recipient_key", "bad_key", "key_does_not_match_certificate", "not_encrypted",
    "malformed_cms", "bad_base64", "unsupported_algorithm", "pkcs1v15_key_transport_refused",
    "not_for_this_recipient", "key_decryption_failed", "content_decryption_failed",
    "malformed_signature_layer", "signing_failed", "random_failed", "encryption_failed",
    "unsupported_recipient_info", "too_large",
]
MISMATCH_CODES = [
    "not_a_confirmation", "not_multipart_mixed", "xml_missing", "xml_invalid", "pdf_missing",
    "kind_mismatch", "header_subject", "xml_subject", "hash", "original_integrity_missing",
    "metadata_missing", "metadata_unexpected", "metadata_value", "original_header", "private_id",
    "delivery_time_missing", "delivery_time_unexpected", "system_sender", "xml_sender",
    "integrity_signature", "original_integrity", "signer_mismatch", "xml_signer_not_listed",
    "provider_not_responsible", "recipient_not_chosen", "not_confirmable", "xml_signature_missing",
    "xml_signature", "header",
]
IDENT_MISMATCH_CODES = [
    "not_identification", "header", "system_sender", "subject", "not_private", "integrity",
    "assertion_missing", "pdf_missing", "text_missing", "assertion_invalid", "assertion_signature",
    "wrong_audience", "wrong_subject", "recipient_not_audience", "copy_not_subject",
    "issuer_not_sender", "pseudonym_card",
]
RULES = [
    "required_field", "forbidden_field", "invalid_value", "unknown_version", "private_id_too_long",
    "option_needs_high_auth", "retrieve_needs_private", "authoritative_from_pseudonym",
    "actual_recipient_differs", "address_not_lower_case", "address_too_long",
    "pseudonym_label_has_dot", "wrong_system_sender", "retrieve_confirmation_not_private",
    "duplicate_field", "bare_line_feed",
]
CLI_CODES = [
    "unreadable_input", "input_too_large", "cannot_write", "closed_stdout", "invalid_argument",
    "usage", "invalid_input", "refused", "pkcs11_module", "pkcs11_token_not_found",
    "pkcs11_ambiguous_token", "pkcs11_pin_not_set", "pkcs11_wrong_pin", "pkcs11_pin_locked",
    "pkcs11_already_logged_in", "pkcs11_key_not_found", "pkcs11_certificate_not_found",
    "pkcs11_ambiguous_label", "pkcs11_certificate", "pkcs11_unsupported_key",
    "pkcs11_key_certificate_mismatch", "pkcs11_check", "pkcs11_token", "pkcs11",
]
MESSAGE_TYPES = [
    "normal", "confirmation of dispatch", "confirmation of receipt", "confirmation of retrieve",
    "malware-acknowledge", "malware-notification", "notification", "identification",
]


def problem(codes, error_case=False):
    """A failure: stable code, FU error case, human message, byte offset."""
    return obj({
        "code": enum(*codes) if codes else CODE,
        "error_case": ref("error_case") if error_case else {"type": "null"},
        "message": STRING,
        "offset": nullable(COUNT),
    })


DEFS = {
    "time": {"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
    "address": {"type": "string", "pattern": "@"},
    "error_case": enum("fc_01", "fc_02", "fc_03", "fc_04"),
    "recipient_list": obj({k: array(ref("address")) for k in ("to", "cc", "bcc")}),
    "warning": {"oneOf": [
        obj({"code": enum("duplicate"), "field": STRING, "offset": COUNT, "first_offset": COUNT}),
        obj({"code": enum("not_utf8"), "field": STRING, "offset": COUNT}),
    ]},
    "envelope": obj({
        "kind": nullable(enum("normal", "confirmation", "notification", "ident")),
        "forwarded": BOOL,
        "from": nullable(ref("address")),
        "date": nullable(ref("time")),
        "message_id": nullable(STRING),
        "subject": nullable(STRING),
        "reply_to": nullable(ref("address")),
        "confirmation_of_dispatch": nullable(BOOL),
        "confirmation_of_receipt": nullable(BOOL),
        "confirmation_of_retrieve": nullable(BOOL),
        "authoritative": nullable(BOOL),
        "private": nullable(BOOL),
        "sender": nullable(ref("address")),
        "chosen_recipient": nullable(ref("recipient_list")),
        "auth_mechanism": nullable(STRING),
        "auth_level": nullable(enum("normal", "high")),
        "originator_provider": nullable(STRING),
        "message_type": nullable(enum(*MESSAGE_TYPES)),
        "version": nullable(STRING),
        "private_id": nullable(STRING),
        "demail_message_id": nullable(STRING),
        "account_holder": nullable(STRING),
        "notification_type": nullable(STRING),
        "integrity": nullable(STRING),
        "signature_certificate": nullable(STRING),
        "actual_recipient": nullable(ref("recipient_list")),
        "resent_from": nullable(STRING),
        "resent_to": nullable(STRING),
        "resent_date": nullable(STRING),
        "resent_message_id": nullable(STRING),
        "envelope_to": nullable(STRING),
        "warnings": array(ref("warning")),
    }),
    "validation": obj({
        "violations": array(obj({
            "field": STRING,
            "rule": enum(*RULES),
            "section": STRING,
            "offset": nullable(COUNT),
            "detail": STRING,
        })),
        "duplicates": array(obj({"name": STRING, "first_offset": COUNT, "offset": COUNT})),
        "bare_line_feed": nullable(COUNT),
        "notification_keys_valid": BOOL,
    }),
    "certificate": obj({
        "subject": STRING,
        "issuer": STRING,
        "serial": STRING,
        "not_before": ref("time"),
        "not_after": ref("time"),
        "key": STRING,
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    }),
    "status": obj({
        "code": enum("good", "revoked", "revoked_after", "unknown", "unavailable", "not_checked"),
        "revocation": nullable(obj({
            "time": ref("time"),
            "reason": nullable(enum(
                "unspecified", "key_compromise", "ca_compromise", "affiliation_changed",
                "superseded", "cessation_of_operation", "certificate_hold", "remove_from_crl",
                "privilege_withdrawn", "aa_compromise",
            )),
        })),
        "detail": STRING,
    }),
    "indication": obj({
        "indication": enum("total_passed", "total_failed", "indeterminate"),
        "sub_indication": nullable(enum(
            "revoked", "revoked_no_poe", "out_of_bounds_no_poe", "no_certificate_chain_found",
            "try_later", "certificate_chain_general_failure", "revoked_ca_no_poe",
        )),
    }),
    # A CA certificate of the verified path with its status (D202).
    "chain_certificate": obj({
        "certificate": ref("certificate"),
        "anchor": BOOL,
        "status": ref("status"),
    }),
    "signer_binding": {"oneOf": [
        obj({"state": enum("not_checked", "unsigned", "no_sender_domain")}),
        obj({"state": enum("listed", "not_listed"), "domain": STRING}),
    ]},
    "verdict": obj({
        "verdict": enum("pass", "signer_not_trusted", "fail"),
        "failure": nullable(problem(FAILURE_CODES, error_case=True)),
    }),
    "verification_report": obj({
        "mode": nullable(enum("hash_only", "signed")),
        "algorithm": nullable(STRING),
        "body_hash_ok": nullable(BOOL),
        "header_ok": nullable(BOOL),
        "certificate": nullable(ref("certificate")),
        "trusted": nullable(BOOL),
        "status": ref("status"),
        "chain": array(ref("chain_certificate")),
        "qualified": nullable(BOOL),
        "indication": nullable(ref("indication")),
        "duplicates": array(obj({"field": STRING, "first_offset": COUNT, "offset": COUNT})),
        "invalid_authoritative": nullable(STRING),
        "signer_binding": ref("signer_binding"),
        "verdict": enum("pass", "signer_not_trusted", "fail"),
        "failure": nullable(problem(FAILURE_CODES, error_case=True)),
    }),
    "smime_signature": obj({
        "verdict": enum("pass", "signer_not_trusted", "fail"),
        "failure": nullable(problem(SMIME_SIGNATURE_CODES, error_case=True)),
        "signature_valid": BOOL,
        "trusted": nullable(BOOL),
        "status": ref("status"),
        "indication": nullable(ref("indication")),
        "digest_algorithm": STRING,
        "signature_algorithm": STRING,
        "signer_addresses": array(STRING),
        "signer": nullable(ref("certificate")),
    }),
    "xml_signature": obj({
        "passed": BOOL,
        "signature_method": STRING,
        "digest_method": STRING,
        "canonicalization": STRING,
        "reference_canonicalization": STRING,
        "reference_uri": STRING,
        "certificate": ref("certificate"),
        "digest_ok": BOOL,
        "signature_ok": BOOL,
        "trusted": nullable(BOOL),
        "status": ref("status"),
        "chain": array(ref("chain_certificate")),
        "qualified": BOOL,
        "indication": ref("indication"),
        "xades": nullable(obj({
            "signed_properties_id": STRING,
            "signed_properties_canonicalization": STRING,
            "signed_properties_digest_method": STRING,
            "signed_properties_digest_ok": BOOL,
            "signing_time": nullable(ref("time")),
            "signing_certificate_v2": BOOL,
            "signing_certificate_ok": BOOL,
        })),
        "failures": array(problem(
            ["digest_mismatch", "signed_properties_digest_mismatch", "signing_certificate_mismatch",
             "issuer_serial_mismatch", "bad_signature", "certificate", "no_trust_anchors", "status"])),
    }),
    "end_to_end": obj({
        "protection": nullable(obj({
            "provider_can_read": BOOL,
            "signed": enum("none", "parts", "whole"),
            "encrypted": enum("none", "parts", "whole"),
            "findings": array(obj({
                "mechanism": enum(
                    "smime_signed", "smime_encrypted", "pgp_mime_signed", "pgp_mime_encrypted",
                    "inline_pgp_signed", "inline_pgp_encrypted"),
                "part": STRING,
                "covered": array(STRING),
            })),
        })),
        "smime_signatures": array(obj({
            "part": STRING,
            "signers": nullable(array(ref("smime_signature"))),
            "error": nullable(problem(SMIME_CODES)),
        })),
        "error": nullable(problem(["too_large", "too_deep", "too_many_parts", "not_a_message"])),
        "note": STRING,
    }),
    "card": obj({
        "type": enum("LegalPerson", "NaturalPerson", "Address", "Age", "AgeOver16", "AgeOver18",
                     "DeMailAddress"),
        "fields": array(obj({"name": STRING, "value": STRING, "validation_time": ref("time")})),
    }),
    "assertion": obj({
        "id": STRING,
        "issue_instant": ref("time"),
        "issuer": STRING,
        "subject": STRING,
        "audience": STRING,
        "authn_instant": ref("time"),
        "authn_context": STRING,
        "card": ref("card"),
    }),
    "message_line": obj({
        "schema_version": {"const": SCHEMA_VERSION},
        "index": nullable(COUNT),
        "offset": nullable(COUNT),
        "size": nullable(COUNT),
        "from_line": nullable(STRING),
        "subject": nullable(STRING),
        "demail_message_id": nullable(STRING),
        "message_type": nullable(enum(*MESSAGE_TYPES)),
    }, {
        "valid": BOOL,
        "integrity": ref("verdict"),
        "problem": problem(["not_a_mail", "not_demail", "io", "not_mbox", "message_too_large"]),
        "file": STRING,
    }),
}


def report(required, optional=None):
    """A command's top-level object, with `schema_version`."""
    fields = {"schema_version": {"const": SCHEMA_VERSION}}
    fields.update(required)
    return obj(fields, optional)


# `--online` (D198): what was asked, what failed and why; present only
# with the flag.
ONLINE = {"online": obj({
    "requested": array(obj({"kind": enum("ocsp", "crl"), "url": STRING})),
    "failed": array(obj({
        "kind": enum("ocsp", "crl"),
        "url": STRING,
        "error": obj({"code": CODE, "message": STRING}),
    })),
    "unplanned": array(obj({"subject": STRING, "message": STRING})),
})}


def summary_line(counts):
    return report({"summary": obj({name: COUNT for name in counts})})


COMMANDS = {
    "inspect": ("demail inspect", report({
        "valid": BOOL,
        "envelope": ref("envelope"),
        "validation": ref("validation"),
        "end_to_end": ref("end_to_end"),
        "ident": nullable(obj({
            "assertion": nullable(ref("assertion")),
            "error": nullable(problem(["not_mime", "no_assertion", "assertion"])),
        })),
    })),
    "verify": ("demail verify", None),  # verify_schema()
    "check-confirmation": ("demail check-confirmation", report({
        "passed": BOOL,
        "message_type": nullable(enum(*MESSAGE_TYPES)),
        "kind": nullable(enum("dispatch", "receipt", "retrieve", "malware")),
        "message": nullable(obj({
            "sender": STRING,
            "metadata": array(obj({"name": STRING, "value": STRING, "original_header": STRING})),
            "subject": STRING,
            "text": STRING,
            "hash": STRING,
            "time": ref("time"),
            "delivery_time": nullable(ref("time")),
        })),
        "integrity": ref("verification_report"),
        "original_integrity": ref("verification_report"),
        "xml_signature": nullable(ref("xml_signature")),
        "provider_binding": ref("signer_binding"),
        "mismatches": array(problem(MISMATCH_CODES)),
    }, ONLINE)),
    "ident-check": ("demail ident check", report({
        "passed": BOOL,
        "integrity": ref("verification_report"),
        "assertion": nullable(ref("assertion")),
        "xml_signature": nullable(ref("xml_signature")),
        "mismatches": array(problem(IDENT_MISMATCH_CODES)),
    }, ONLINE)),
    "mbox-list": ("one JSON Lines record of demail mbox list", {"oneOf": [
        ref("message_line"), summary_line(["messages", "problems"])]}),
    "mbox-import": ("one JSON Lines record of demail mbox import", {"oneOf": [
        ref("message_line"), summary_line(["messages", "valid", "invalid"])]}),
    "mbox-export": ("demail mbox export", report({
        "output": STRING, "messages": COUNT, "message_bytes": COUNT})),
    "split-bcc": ("demail split-bcc", report({"copies": array(obj({
        "addressee": STRING,
        "file": STRING,
        "chosen_recipient": nullable(ref("recipient_list")),
        "signed": BOOL,
    }))})),
    "protect": ("demail protect -o", report({
        "output": STRING,
        "cipher": enum("aes256-gcm", "aes256-cbc"),
        "signer": nullable(ref("certificate")),
        "recipients": array(ref("certificate")),
        "provider_can_read": BOOL,
        "subject_encrypted": BOOL,
        "note": STRING,
    })),
    "open": ("demail open", report({
        "opened": BOOL,
        "output": nullable(STRING),
        "content_encryption": STRING,
        "content_authenticated": BOOL,
        "recipients": array(obj({"id": STRING, "key_management": STRING, "this_certificate": BOOL})),
        "signatures": array(ref("smime_signature")),
        "signed": BOOL,
        "subject_encrypted": BOOL,
    }, ONLINE)),
    "error": ("the error object of --json, and the refusals of protect and open", report({
        "error": obj({
            "code": enum(*sorted(set(CLI_CODES + SMIME_CODES))),
            "message": STRING,
            "exit_code": {"type": "integer", "enum": [1, 2]},
        }),
    })),
}


def verify_schema():
    """`demail verify`: the verification report's keys, `envelope` and `stamp`."""
    keys = dict(DEFS["verification_report"]["properties"])
    keys["envelope"] = ref("envelope")
    keys["stamp"] = nullable(obj({
        "authserv_id": STRING,
        "output": STRING,
        "protection_error": nullable(problem(["too_large", "too_deep", "too_many_parts", "not_a_message"])),
    }))
    return report(keys, ONLINE)


def main():
    here = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent)
    for name, (title, schema) in COMMANDS.items():
        if name == "verify":
            schema = verify_schema()
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{BASE}{name}.schema.json",
            "title": f"The JSON of {title}, schema_version {SCHEMA_VERSION}",
        }
        document.update(schema)
        document["$defs"] = DEFS
        path = here / f"{name}.schema.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
