//! `demail protect` and `demail open` (S/MIME end-to-end protection,
//! TR 01201-3.4 §2.1.3; RFC 8551): the library's reports as JSON
//! (docs/schemas/protect.schema.json, open.schema.json).
//!
//! Exit codes: 0 done (and, for `open`, every inner signature passed);
//! 1 refused or a failed check (sealed message, message for someone else,
//! wrong key, changed ciphertext, a signature that does not pass);
//! 2 unreadable input or usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use demail::certificate::Certificate;
use demail::smime::{
    Cipher, DecryptionKey, OpenOptions, OpenReport, ProtectOptions, SenderSignature, SignatureForm,
    SignatureReport, SmimeError,
};

use crate::io::{self, CliError, TrustArgs};

/// The arguments of `demail protect`.
#[derive(Args)]
pub(crate) struct ProtectArgs {
    /// The message (or draft), or `-` for standard input.
    file: PathBuf,
    /// A recipient's certificate (PEM or DER, RSA or EC); repeatable.
    #[arg(long = "recipient-cert", required = true)]
    recipient_certs: Vec<PathBuf>,
    /// The sender's PKCS#8 private key (PEM): sign before encrypting.
    #[arg(long, requires = "sign_cert")]
    sign_key: Option<PathBuf>,
    /// The sender's certificate (PEM or DER); with --pkcs11-module it
    /// replaces the token's certificate.
    #[arg(long)]
    sign_cert: Option<PathBuf>,
    #[command(flatten)]
    pkcs11: io::Pkcs11Args,
    /// Opaque signed-data instead of multipart/signed (needs a signer).
    #[arg(long)]
    opaque: bool,
    /// Encrypt to the sender's certificate too, so the sender can read the
    /// sent copy (needs a signer).
    #[arg(long)]
    encrypt_to_self: bool,
    /// aes256-gcm (AuthEnvelopedData, default) or aes256-cbc (EnvelopedData).
    #[arg(long, default_value = "aes256-gcm")]
    cipher: String,
    /// Write the protected message here instead of standard output (a JSON
    /// summary is then printed).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// The arguments of `demail open`.
#[derive(Args)]
pub(crate) struct OpenArgs {
    /// The protected message, or `-` for standard input.
    file: PathBuf,
    /// The recipient's PKCS#8 private key (PEM).
    #[arg(long)]
    key: PathBuf,
    /// The recipient's certificate (PEM or DER).
    #[arg(long)]
    cert: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Write the opened message here.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Accept AES-CBC content without a passing inner signature (CBC does
    /// not authenticate; refused by default).
    #[arg(long)]
    allow_unauthenticated: bool,
}

/// Prints a refusal as the error object (exit 1) or returns an input
/// error (exit 2).
fn refused(file: &Path, error: SmimeError) -> Result<ExitCode, CliError> {
    if error.is_unreadable_input() {
        return Err(CliError::invalid(file.display(), error));
    }
    io::print_error(error.code(), &error, 1)?;
    Ok(ExitCode::from(1))
}

/// What `protect -o` reports (docs/schemas/protect.schema.json).
#[derive(Serialize)]
struct ProtectReport<'r> {
    output: String,
    cipher: &'static str,
    /// The sender's signing certificate, `null` when not signed.
    signer: Option<&'r Certificate>,
    recipients: &'r [Certificate],
    provider_can_read: bool,
    subject_encrypted: bool,
    note: &'static str,
}

/// What `open` reports (docs/schemas/open.schema.json): the library's
/// [`OpenReport`] with `opened`, `output`, `signed`, `subject_encrypted`.
#[derive(Serialize)]
struct OpenedReport<'r> {
    opened: bool,
    output: Option<String>,
    #[serde(flatten)]
    report: &'r OpenReport,
    signed: bool,
    subject_encrypted: bool,
}

/// Protects the message; see the module documentation for exit codes.
pub(crate) fn protect(args: &ProtectArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let cipher = Cipher::parse(&args.cipher).ok_or_else(|| CliError::Argument {
        option: "--cipher",
        value: args.cipher.clone(),
        problem: "use aes256-gcm or aes256-cbc",
    })?;
    let mut recipients = args
        .recipient_certs
        .iter()
        .map(|p| io::load_certificate(p))
        .collect::<Result<Vec<_>, _>>()?;
    let signer = io::load_signer(
        ("--sign-key", args.sign_key.as_deref()),
        ("--sign-cert", args.sign_cert.as_deref()),
        &args.pkcs11,
    )?;
    if signer.is_none() && (args.opaque || args.encrypt_to_self) {
        return Err(CliError::Argument {
            option: if args.opaque {
                "--opaque"
            } else {
                "--encrypt-to-self"
            },
            value: String::new(),
            problem: "needs a signer: --sign-key and --sign-cert, or --pkcs11-module",
        });
    }
    if args.encrypt_to_self
        && let Some((_, cert)) = &signer
    {
        recipients.push(cert.clone());
    }
    let summary_recipients = recipients.clone();
    let mut options = ProtectOptions::new(recipients);
    options.cipher = cipher;
    options.sign = signer.as_ref().map(|(key, cert)| SenderSignature {
        key,
        certificate: cert,
        form: if args.opaque {
            SignatureForm::Opaque
        } else {
            SignatureForm::Detached
        },
    });
    let protected = match demail::smime::protect(&raw, &options) {
        Ok(protected) => protected,
        Err(error) => return refused(&args.file, error),
    };
    match &args.output {
        Some(path) => {
            io::write_output(Some(path), &protected)?;
            io::print_json(&ProtectReport {
                output: path.display().to_string(),
                cipher: cipher.as_str(),
                signer: signer.as_ref().map(|(_, cert)| cert),
                recipients: &summary_recipients,
                provider_can_read: false,
                subject_encrypted: false,
                note: "the content is encrypted end to end; Subject, From, To, Cc, Date, Message-ID and the X-de-mail-* fields stay readable",
            })?;
        }
        None => io::write_stdout(&protected)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the message; see the module documentation for exit codes.
pub(crate) fn open(args: &OpenArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let key = DecryptionKey::from_pkcs8_pem(&io::read_text(&args.key)?)
        .map_err(|e| CliError::invalid(args.key.display(), e))?;
    let cert = io::load_certificate(&args.cert)?;
    let trust = args.trust.load()?;
    let options = OpenOptions {
        verify: trust.options(false),
        allow_unauthenticated: args.allow_unauthenticated,
    };
    let opened = match demail::smime::open(&raw, &key, &cert, &options) {
        Ok(opened) => opened,
        Err(error) => return refused(&args.file, error),
    };
    if let Some(path) = &args.output {
        io::write_output(Some(path), &opened.message)?;
    }
    let report = &opened.report;
    let all_pass = report.signatures.iter().all(SignatureReport::passed);
    io::print_json(&OpenedReport {
        opened: true,
        output: args.output.as_ref().map(|p| p.display().to_string()),
        report,
        signed: !report.signatures.is_empty(),
        subject_encrypted: false,
    })?;
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
