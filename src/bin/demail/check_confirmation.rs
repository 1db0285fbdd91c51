//! `demail check-confirmation`: check a received confirmation against its
//! original and print the report as JSON (TR 01201-3.4 §3.5.1).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::{Value, json};

use demail::confirmation::check_confirmation;
use demail::trust::KeyPolicy;

/// Arguments of `demail check-confirmation`.
#[derive(Args)]
pub(crate) struct CheckConfirmationArgs {
    /// The confirmation message, or `-` for standard input.
    confirmation: PathBuf,
    /// The original message the confirmation confirms.
    #[arg(long)]
    original: PathBuf,
    #[command(flatten)]
    trust: super::TrustArgs,
    /// Require RSA keys of at least 3000 bits (BSI TR-02102-1), as `verify
    /// --tr-02102`; applies to the confirmation and to the original.
    #[arg(long)]
    tr_02102: bool,
}

/// Runs `demail check-confirmation`: exit 0 when everything fits, 1 on any
/// mismatch or bad signature, 2 when an input cannot be read.
pub(crate) fn run(args: &CheckConfirmationArgs) -> Result<ExitCode, String> {
    let confirmation = super::read_input(&args.confirmation)
        .map_err(|e| format!("cannot read {}: {e}", args.confirmation.display()))?;
    let original =
        std::fs::read(&args.original).map_err(|e| format!("cannot read {}: {e}", args.original.display()))?;
    let trust = args.trust.load()?;
    // The same options as `demail verify`, for the confirmation, its XML
    // signature and the original (D53).
    let options = trust.options(if args.tr_02102 {
        KeyPolicy::tr_02102()
    } else {
        KeyPolicy::default()
    });
    let report = check_confirmation(&confirmation, &original, &options).map_err(|e| e.to_string())?;
    let output = json!({
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
        "integrity": super::report_json(&report.integrity),
        // The confirmation's signer against the provider that must have
        // made it: the sender's for dispatch, a recipient's otherwise (D93).
        "provider_binding": super::signer_binding_json(&report.provider_binding),
        // The original's own integrity, verified like `verify` does (D53).
        "original_integrity": super::report_json(&report.original_integrity),
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
        })),
    });
    let text = serde_json::to_string_pretty(&output).map_err(|e| format!("cannot write JSON: {e}"))?;
    println!("{text}");
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
