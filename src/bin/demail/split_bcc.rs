//! `demail split-bcc` (TR 01201-3.4 §3.1.8, §3.1.21 condition 2): writes the
//! to/cc copy and one copy per BCC recipient into a directory, each hashed
//! (or signed with `--key` and `--cert`; `--alg` as for `demail sign`), and
//! prints a JSON report. Exit codes: 0 done, 1 the message is not ready to be
//! hashed (§3.1.21: metadata incomplete or not CRLF) or is authoritative and
//! no key was given (FC-04, D48), 2 unreadable input or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use demail::bcc::{Addressee, SplitError, split_bcc};
use demail::envelope::Envelope;
use demail::integrity::IntegrityError;

use crate::io::{self, CliError};

/// The arguments of `demail split-bcc`.
#[derive(Args)]
pub(crate) struct SplitBccArgs {
    /// The outgoing message, or `-` for standard input.
    file: PathBuf,
    /// The directory for the copies (`to-cc.eml`, `bcc-1.eml`, ...); created if missing.
    #[arg(long, short = 'd')]
    output_dir: PathBuf,
    /// The provider's PKCS#8 private key (PEM); without it the copies are hash-only.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// The provider's certificate (PEM or DER); with --pkcs11-module it
    /// replaces the token's certificate.
    #[arg(long)]
    cert: Option<PathBuf>,
    #[command(flatten)]
    pkcs11: io::Pkcs11Args,
    /// The a= algorithm, as for `demail sign`: e.g. sha256, sha256/rsa,
    /// sha384/ec-dsa, sha512/rsassa-pss.
    #[arg(long)]
    alg: Option<String>,
}

/// Splits the message; see the module documentation for exit codes.
pub(crate) fn run(args: &SplitBccArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let loaded = io::load_signer(
        ("--key", args.key.as_deref()),
        ("--cert", args.cert.as_deref()),
        &args.pkcs11,
    )?;
    let options = crate::sign::sign_options(loaded.as_ref(), args.alg.as_deref())?;
    let copies = split_bcc(&raw, &options).map_err(|error| match error {
        SplitError::Integrity(IntegrityError::NotReady(_) | IntegrityError::UnsignedAuthoritative { .. })
        | SplitError::NoChosenRecipient => CliError::refused(args.file.display(), error),
        error => CliError::invalid(args.file.display(), error),
    })?;
    std::fs::create_dir_all(&args.output_dir).map_err(|source| CliError::Write {
        path: args.output_dir.clone(),
        source,
    })?;
    let mut report = Vec::with_capacity(copies.len());
    let mut bcc_number = 0;
    for copy in &copies {
        let (name, addressee) = match &copy.addressee {
            Addressee::ToCc => ("to-cc.eml".to_owned(), "to/cc".to_owned()),
            Addressee::Bcc(address) => {
                bcc_number += 1;
                (format!("bcc-{bcc_number}.eml"), address.addr_spec())
            }
        };
        let path = args.output_dir.join(&name);
        io::write_output(Some(&path), &copy.message)?;
        let envelope = Envelope::parse(&copy.message).map_err(|e| CliError::invalid(path.display(), e))?;
        report.push(json!({
            "addressee": addressee,
            "file": path.display().to_string(),
            "chosen_recipient": envelope.metadata().chosen_recipient.as_ref().map(ToString::to_string),
            "signed": loaded.is_some(),
        }));
    }
    io::print_json(&json!({ "copies": report }))?;
    Ok(ExitCode::SUCCESS)
}
