//! `demail split-bcc` (TR 01201-3.4 §3.1.8, §3.1.21 condition 2): writes the
//! to/cc copy and one copy per BCC recipient into a directory, each hashed
//! (or signed with `--key` and `--cert`; `--alg` as for `demail sign`), and
//! prints a JSON report. Exit codes: 0 done, 1 the message is not ready to be
//! hashed (§3.1.21: metadata incomplete or not CRLF) or is authoritative and
//! no key was given (FC-04, D48), 2 unreadable input or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use demail::address::RecipientList;
use demail::bcc::{Addressee, SplitCopy, SplitError, split_bcc_each};
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
    // Each copy is written as soon as it is made (bcc::split_bcc_each), so
    // memory stays bounded however many BCC recipients there are.
    let mut report = Vec::new();
    let mut bcc_number = 0;
    let mut write_copy = |copy: SplitCopy| -> Result<(), Step> {
        if report.is_empty() {
            std::fs::create_dir_all(&args.output_dir).map_err(|source| CliError::Write {
                path: args.output_dir.clone(),
                source,
            })?;
        }
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
        report.push(CopyReport {
            addressee,
            file: path.display().to_string(),
            chosen_recipient: envelope
                .metadata()
                .chosen_recipient
                .clone()
                .map(RecipientList::into_owned),
            signed: loaded.is_some(),
        });
        Ok(())
    };
    match split_bcc_each(&raw, &options, &mut write_copy) {
        Ok(_) => {}
        Err(Step::Cli(error)) => return Err(error),
        Err(Step::Split(
            error @ (SplitError::Integrity(
                IntegrityError::NotReady(_) | IntegrityError::UnsignedAuthoritative { .. },
            )
            | SplitError::NoChosenRecipient),
        )) => return Err(CliError::refused(args.file.display(), error)),
        Err(Step::Split(error)) => return Err(CliError::invalid(args.file.display(), error)),
    }
    #[derive(Serialize)]
    struct SplitReport {
        copies: Vec<CopyReport>,
    }
    io::print_json(&SplitReport { copies: report })?;
    Ok(ExitCode::SUCCESS)
}

/// One copy in the report: to whom, where, its chosen recipients, signed.
#[derive(Serialize)]
struct CopyReport {
    /// `to/cc`, or the BCC recipient's address.
    addressee: String,
    file: String,
    chosen_recipient: Option<RecipientList<'static>>,
    signed: bool,
}

/// What can stop the fan-out: the library's refusal or writing a copy.
enum Step {
    Split(SplitError),
    Cli(CliError),
}

impl From<SplitError> for Step {
    fn from(error: SplitError) -> Self {
        Step::Split(error)
    }
}

impl From<CliError> for Step {
    fn from(error: CliError) -> Self {
        Step::Cli(error)
    }
}
