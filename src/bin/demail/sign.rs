//! `demail sign`: add `X-de-mail-integrity` (TR 01201-3.4 §3.1.21),
//! hash-only without a key, signed with `--key` and `--cert` or a PKCS#11
//! key (`--pkcs11-module`, `--pkcs11-token`, `--pkcs11-key`); the `--alg`
//! handling is shared with `demail split-bcc`.
//!
//! Exit codes: 0 written; 1 refused (hash-only on an authoritative message,
//! FC-04); 2 unreadable input, usage error, or a key that does not match the
//! certificate.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use demail::integrity::{Algorithm, IntegrityError, SignOptions};
use demail::signer::Signer;

use crate::io::{self, CliError};

/// The arguments of `demail sign`.
#[derive(Args)]
pub(crate) struct SignArgs {
    /// The message file, or `-` for standard input.
    file: PathBuf,
    #[command(flatten)]
    signer: io::SignerArgs,
    /// The a= algorithm, e.g. sha256, sha256/rsa, sha384/ec-dsa, sha512/rsassa-pss.
    #[arg(long)]
    alg: Option<String>,
    /// Write the signed message here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Signs the message; see the module documentation for exit codes.
pub(crate) fn run(args: &SignArgs) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let signer = args.signer.load()?;
    let options = sign_options(signer.as_deref(), args.alg.as_deref())?;
    let signed = demail::integrity::sign(&raw, &options).map_err(|error| match error {
        // A refusal by rule (exit 1), not an unreadable input.
        IntegrityError::UnsignedAuthoritative { .. } => CliError::refused(args.file.display(), error),
        error => CliError::invalid(args.file.display(), error),
    })?;
    io::write_output(args.output.as_deref(), &signed)?;
    Ok(ExitCode::SUCCESS)
}

/// Hash-only or signed options with the `--alg` algorithm (the `a=` tag of
/// §3.1.21), shared by `sign` and `split-bcc`.
pub(crate) fn sign_options<'a>(
    signer: Option<&'a dyn Signer>,
    alg: Option<&str>,
) -> Result<SignOptions<'a>, CliError> {
    let algorithm = alg
        .map(|text| Algorithm::parse(text).map_err(|e| CliError::invalid(format!("--alg {text}"), e)))
        .transpose()?;
    let mut options = match signer {
        Some(signer) => SignOptions::signed(signer),
        None => SignOptions::hash_only(),
    };
    if let Some(algorithm) = algorithm {
        options.hash = algorithm.hash;
        match (&mut options.signer, algorithm.signature) {
            (Some(mode), Some(scheme)) => mode.scheme = scheme,
            (None, None) => {}
            (Some(_), None) => return Err(alg_error(alg, "hash-only, but a key was given")),
            (None, Some(_)) => return Err(alg_error(alg, "a signature algorithm needs --key and --cert")),
        }
    }
    Ok(options)
}

fn alg_error(alg: Option<&str>, problem: &'static str) -> CliError {
    CliError::Argument {
        option: "--alg",
        value: alg.unwrap_or_default().to_owned(),
        problem,
    }
}
