//! `demail inspect`: the typed De-Mail envelope of a message as JSON, its
//! validation against TR 01201-3.4 §3.1 (Table 1), the end-to-end
//! protection (§2.1.3) and, for an ident confirmation, its assertion.
//!
//! Exit codes: 0 valid for its kind; 1 parsed but violates the TR; 2
//! unreadable or not a mail.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use demail::envelope::Envelope;
use demail::fields::MessageKind;
use demail::ident::{IdentAssertion, IdentReadError};
use demail::validate::{Mode, Report};

use crate::end_to_end::EndToEnd;
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

/// The report of `demail inspect` (docs/schemas/inspect.schema.json).
#[derive(Serialize)]
struct InspectReport<'r, 'a> {
    /// Whether the message is valid for its kind (strict, or `--lenient`).
    valid: bool,
    /// The typed envelope, as in `demail verify`.
    envelope: &'r Envelope<'a>,
    /// Every violation, RFC 5322 duplicate and bare LF.
    validation: Report,
    end_to_end: EndToEnd,
    /// For an ident confirmation: its assertion, unverified.
    ident: Option<IdentView>,
}

/// What `inspect` shows of an ident confirmation: the assertion, unverified
/// (`ident check` verifies), or why it cannot be read.
#[derive(Serialize)]
struct IdentView {
    assertion: Option<IdentAssertion>,
    error: Option<IdentReadError>,
}

/// Inspects the message; see the module documentation for exit codes.
pub(crate) fn run(args: &InspectArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let envelope = Envelope::parse(&raw).map_err(|e| CliError::invalid(args.file.display(), e))?;
    let validation = envelope.validate();
    let mode = if args.lenient { Mode::Lenient } else { Mode::Strict };
    let valid = validation.accepts(mode);
    let ident = (envelope.kind() == Some(MessageKind::Ident)).then(|| {
        let read = demail::ident::read_ident_confirmation(&raw);
        IdentView {
            error: read.as_ref().err().cloned(),
            assertion: read.ok(),
        }
    });
    io::print_json(&InspectReport {
        valid,
        envelope: &envelope,
        validation,
        end_to_end: EndToEnd::of(&raw),
        ident,
    })?;
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
