//! `demail check-confirmation`: check a received confirmation against its
//! original and print the report as JSON (TR 01201-3.4 §3.5.1).
//!
//! Exit codes: 0 it fits and both signatures verify; 1 a mismatch or bad
//! signature; 2 unreadable input or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use demail::confirmation::{ConfirmationReport, check_confirmation};
use demail::fields::MessageType;

use crate::io::{self, CliError, TrustArgs};

/// Arguments of `demail check-confirmation`.
#[derive(Args)]
pub(crate) struct CheckConfirmationArgs {
    /// The confirmation message, or `-` for standard input.
    confirmation: PathBuf,
    /// The original message the confirmation confirms (a file).
    #[arg(long)]
    original: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Require RSA keys of at least 3000 bits (BSI TR-02102-1), as `verify
    /// --tr-02102`; applies to the confirmation and to the original.
    #[arg(long)]
    tr_02102: bool,
    /// Also write the status evidence of the three signatures checked (the
    /// confirmation's integrity and XML signatures, the original's
    /// integrity) as one evidence bundle, for a later `--evidence` (D199).
    #[arg(long, value_name = "PATH")]
    evidence_out: Option<PathBuf>,
}

/// The report of `demail check-confirmation`
/// (docs/schemas/check-confirmation.schema.json): the library's
/// [`ConfirmationReport`] — `kind`, the XML `message`, the confirmation's
/// `integrity`, the `original_integrity` (verified like `verify`, D53),
/// the `xml_signature`, the `provider_binding` of its signer (D93) and
/// the `mismatches` — with `passed` and the `message_type`.
#[derive(Serialize)]
struct CheckReport<'r> {
    passed: bool,
    message_type: Option<MessageType>,
    #[serde(flatten)]
    report: &'r ConfirmationReport,
    /// With `--online` (D198).
    #[serde(skip_serializing_if = "Option::is_none")]
    online: Option<io::OnlineReport>,
}

/// Runs `demail check-confirmation`: exit 0 when everything fits, 1 on any
/// mismatch or bad signature, 2 when an input cannot be read.
pub(crate) fn run(args: &CheckConfirmationArgs) -> Result<ExitCode, CliError> {
    let confirmation = io::read_input(&args.confirmation)?;
    let original = io::read_input(&args.original)?;
    let mut trust = args.trust.load()?;
    // The same options as `demail verify`, for the confirmation, its XML
    // signature and the original (D53).
    let check = |trust: &io::Trust| {
        check_confirmation(&confirmation, &original, &trust.options(args.tr_02102))
            .map_err(|e| CliError::invalid(args.confirmation.display(), e))
    };
    let mut report = check(&trust)?;
    // With --online, the status of all three signers is fetched (D198).
    let signers = [
        report.integrity.certificate.as_ref(),
        report.xml_signature.as_ref().map(|r| &r.certificate),
        report.original_integrity.certificate.as_ref(),
    ];
    let online = trust.fetch_online(signers.into_iter().flatten());
    if online.is_some() {
        report = check(&trust)?;
    }
    // After --online: the bundle holds what decided the final report.
    if let Some(path) = &args.evidence_out {
        let xml = report
            .xml_signature
            .iter()
            .map(|r| (&r.status, r.chain.as_slice()));
        let integrity =
            [&report.integrity, &report.original_integrity].map(|r| (&r.status, r.chain.as_slice()));
        trust.write_evidence(path, integrity.into_iter().chain(xml))?;
    }
    let output = CheckReport {
        passed: report.passed(),
        message_type: report.kind.map(|k| k.message_type()),
        report: &report,
        online,
    };
    io::print_json(&output)?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
