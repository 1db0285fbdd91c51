//! `demail check-confirmation`: check a received confirmation against its
//! original and print the report as JSON (TR 01201-3.4 §3.5.1).
//!
//! Exit codes: 0 it fits and both signatures verify; 1 a mismatch or bad
//! signature; 2 unreadable input or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::{Value, json};

use demail::confirmation::check_confirmation;

use crate::io::{self, CliError, TrustArgs};
use crate::verify::{report_json, signer_binding_json};

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
    let mut output = json!({
        "passed": report.passed(),
        "kind": report.kind.map(|k| k.as_str()),
        "message_type": report.kind.map(|k| k.message_type().as_str()),
        "mismatches": report
            .mismatches
            .iter()
            .map(|m| json!({
                "code": m.code().as_str(),
                "rule": m.code().rule(),
                "detail": m.to_string(),
            }))
            .collect::<Value>(),
        "integrity": report_json(&report.integrity),
        // The confirmation's signer against the provider that must have
        // made it: the sender's for dispatch, a recipient's otherwise (D93).
        "provider_binding": signer_binding_json(&report.provider_binding),
        // The original's own integrity, verified like `verify` does (D53).
        "original_integrity": report_json(&report.original_integrity),
        "xml": report.message.as_ref().map(|m| json!({
            "sender": m.sender,
            "subject": m.subject,
            "hash": m.hash,
            "time": m.time.to_string(),
            "delivery_time": m.delivery_time.map(|t| t.to_string()),
            "metadata_fields": m.metadata.len(),
            "signature_present": m.signature.is_some(),
            // The xmldsig verdict: digest, signature value, certificate and
            // trust all pass (TR 01201-3.4 §3.5.1).
            "xml_signature_valid": report.xml_signature.as_ref().is_some_and(|r| r.passed()),
            // The XML signer's status and ETSI indication (PVD FU Schritt 48).
            "xml_signature_status": report
                .xml_signature
                .as_ref()
                .map(|r| io::status_json(&r.status, Some(r.indication))),
        })),
    });
    if let Some(online) = online {
        output["online"] = online;
    }
    io::print_json(&output)?;
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
