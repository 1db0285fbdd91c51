//! The `demail` command-line tool.
//!
//! `demail inspect <FILE|->` prints the typed De-Mail envelope of a message
//! as JSON. Exit codes: 0 valid for its kind, 1 parsed but violates the TR,
//! 2 unreadable or not a mail.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use demail::address::{DeMailAddress, RecipientList};
use demail::envelope::Envelope;
use demail::fields::{FieldName, MessageKind};
use demail::metadata::DispatchOption;
use demail::validate::Mode;

#[derive(Parser)]
#[command(name = "demail", version, about = "Inspect De-Mail messages (BSI TR 01201)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the De-Mail envelope of a message as JSON and validate it.
    ///
    /// Exit code 0: valid for its kind; 1: parsed but violates the TR;
    /// 2: cannot be read or is not a mail.
    Inspect {
        /// The message file, or `-` for standard input.
        file: PathBuf,
        /// Accept a notification whose six key fields are valid despite other
        /// violations (PVD FU Schritt 41).
        #[arg(long)]
        lenient: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect { file, lenient } => inspect(&file, lenient),
    }
}

fn read_input(file: &PathBuf) -> std::io::Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut raw = Vec::new();
        std::io::stdin().read_to_end(&mut raw)?;
        Ok(raw)
    } else {
        std::fs::read(file)
    }
}

fn inspect(file: &PathBuf, lenient: bool) -> ExitCode {
    let raw = match read_input(file) {
        Ok(raw) => raw,
        Err(err) => {
            eprintln!("demail: cannot read {}: {err}", file.display());
            return ExitCode::from(2);
        }
    };
    let envelope = match Envelope::parse(&raw) {
        Ok(envelope) => envelope,
        Err(err) => {
            eprintln!("demail: {}: {err}", file.display());
            return ExitCode::from(2);
        }
    };
    let report = envelope.validate();
    let mode = if lenient { Mode::Lenient } else { Mode::Strict };
    let mut output = envelope_json(&envelope);
    output["violations"] = report
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
    output["warnings"] = envelope
        .warnings()
        .iter()
        .map(|w| Value::from(w.to_string()))
        .collect();
    output["valid"] = Value::from(report.accepts(mode));
    match serde_json::to_string_pretty(&output) {
        Ok(text) => println!("{text}"),
        Err(err) => {
            eprintln!("demail: cannot write JSON: {err}");
            return ExitCode::from(2);
        }
    }
    if report.accepts(mode) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn envelope_json(envelope: &Envelope<'_>) -> Value {
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
