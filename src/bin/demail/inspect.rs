//! `demail inspect`: the typed De-Mail envelope of a message as JSON, its
//! validation against TR 01201-3.4 §3.1 (Table 1), the end-to-end
//! protection (§2.1.3) and, for an ident confirmation, its assertion.
//!
//! Exit codes: 0 valid for its kind; 1 parsed but violates the TR; 2
//! unreadable or not a mail.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::{Value, json};

use demail::address::{DeMailAddress, RecipientList};
use demail::envelope::Envelope;
use demail::fields::{FieldName, MessageKind};
use demail::metadata::DispatchOption;
use demail::validate::{Mode, Report, Rule};

use crate::io::{self, CliError};

/// The arguments of `demail inspect`.
#[derive(Args)]
pub(crate) struct InspectArgs {
    /// The message file, or `-` for standard input.
    file: PathBuf,
    /// Accept a notification whose six key fields are valid despite other
    /// violations (PVD FU Schritt 41).
    #[arg(long)]
    lenient: bool,
}

/// Inspects the message; see the module documentation for exit codes.
pub(crate) fn run(args: &InspectArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let envelope = Envelope::parse(&raw).map_err(|e| CliError::invalid(args.file.display(), e))?;
    let report = envelope.validate();
    let mode = if args.lenient { Mode::Lenient } else { Mode::Strict };
    let mut output = envelope_json(&envelope);
    output["violations"] = violations_json(&report);
    output["warnings"] = envelope
        .warnings()
        .iter()
        .map(|w| Value::from(w.to_string()))
        .collect();
    output["valid"] = Value::from(report.accepts(mode));
    output["end_to_end"] = crate::end_to_end::end_to_end_json(&raw);
    if envelope.kind() == Some(MessageKind::Ident) {
        output["ident"] = ident_json(&raw);
    }
    io::print_json(&output)?;
    Ok(if report.accepts(mode) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What `inspect` shows of an ident confirmation: the assertion's fields
/// and card type, unverified (`ident check` verifies), or why it cannot be read.
fn ident_json(raw: &[u8]) -> Value {
    match demail::ident::read_ident_confirmation(raw) {
        Ok(assertion) => json!({
            "kind": "identification",
            "card_type": assertion.card.card_type().element(),
            "assertion": crate::ident::assertion_json(&assertion),
        }),
        Err(error) => json!({
            "kind": "identification",
            "card_type": Value::Null,
            "error": error.to_string(),
        }),
    }
}

/// Every violation of the report: De-Mail fields, RFC 5322 duplicates, bare LF.
fn violations_json(report: &Report) -> Value {
    let mut all: Vec<Value> = report
        .violations()
        .iter()
        .map(|v| {
            json!({
                "field": v.field.as_str(),
                "rule": v.rule.id(),
                "section": v.section,
                "offset": v.offset,
                "detail": v.detail,
            })
        })
        .collect();
    all.extend(report.duplicates().iter().map(|d| {
        json!({
            "field": d.name,
            "rule": Rule::DuplicateField.id(),
            "section": "RFC 5322 §3.6; TR 01201-3.4 §3.1.1",
            "offset": d.offset,
            "first_offset": d.first_offset,
            "detail": d.to_string(),
        })
    }));
    if let Some(offset) = report.bare_line_feed() {
        all.push(json!({
            "field": null,
            "rule": Rule::BareLineFeed.id(),
            "section": "TR 01201-3.4 §3.1.21 condition 4; RFC 5322 §2.1",
            "offset": offset,
            "detail": format!("bare LF at byte {offset}: lines must end in CRLF (a file stored with LF line ends is refused)"),
        }));
    }
    Value::from(all)
}

/// The typed envelope (TR 01201-3.4 §3.1): kind, addresses, options, ids.
pub(crate) fn envelope_json(envelope: &Envelope<'_>) -> Value {
    let m = envelope.metadata();
    let mut options = serde_json::Map::new();
    for option in DispatchOption::ALL {
        let key = option
            .field()
            .as_str()
            .trim_start_matches("X-de-mail-")
            .replace('-', "_");
        options.insert(key, Value::from(m.option(option)));
    }
    json!({
        "kind": envelope.kind().map(MessageKind::as_str),
        "forwarded": envelope.is_forwarded(),
        "message_type": m.message_type.map(|t| t.as_str()),
        "notification_type": m.notification_type.map(|t| t.as_str()),
        "from": m.from.as_ref().map(DeMailAddress::to_string),
        "sender": m.sender.as_ref().map(DeMailAddress::addr_spec),
        "reply_to": m.reply_to.as_ref().map(DeMailAddress::to_string),
        "chosen_recipient": m.chosen_recipient.as_ref().map(recipients_json),
        "actual_recipient": m.actual_recipient.as_ref().map(recipients_json),
        "options": options,
        "auth_level": m.auth_level.map(|l| l.as_str()),
        "auth_mechanism": m.auth_mechanism.as_deref(),
        "originator_provider": m.originator_provider.as_deref(),
        "version": m.version.as_ref().map(|v| v.as_str()),
        "message_id": m.message_id.as_deref(),
        "demail_message_id": m.demail_message_id.as_deref(),
        "private_id": m.private_id.as_deref(),
        "account_holder": m.account_holder.as_deref(),
        "subject": m.subject.as_deref(),
        "date": m.date.map(|d| d.to_rfc5322()),
        "integrity_present": envelope.field(FieldName::Integrity).is_some(),
        "certificate_present": envelope.field(FieldName::SignatureCertificate).is_some(),
    })
}

fn recipients_json(list: &RecipientList<'_>) -> Value {
    let addresses = |v: &[DeMailAddress<'_>]| v.iter().map(|a| Value::from(a.to_string())).collect::<Value>();
    json!({ "to": addresses(&list.to), "cc": addresses(&list.cc), "bcc": addresses(&list.bcc) })
}
