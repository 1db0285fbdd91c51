//! `demail forward` (TR 01201-3.4 §3.2); `demail redirect` (§3.3) shares
//! [`resend`]. The message goes to standard output or `--output`, like `demail
//! sign`. Exit codes: 0 done, 1 refused by a rule of the TR (forwarding
//! loop, retrieve confirmation requested), 2 unreadable input or usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use demail::address::DeMailAddress;
use demail::fields::DateTime;
use demail::resend::{Resend, ResendError, ResendKind, forward, generated_message_id, redirect};

use crate::io::{self, CliError};

/// The arguments of `demail forward` and `demail redirect`.
#[derive(Args)]
pub(crate) struct ResendArgs {
    /// The received message, or `-` for standard input.
    file: PathBuf,
    /// The mailbox that sends the message on (the current recipient).
    #[arg(long)]
    mailbox: String,
    /// The new receiving address (Resent-To, X-de-mail-actual-recipient).
    #[arg(long)]
    to: String,
    /// The SMTP rcpt-to for Envelope-to (default: the new address).
    #[arg(long)]
    rcpt_to: Option<String>,
    /// Resent-Message-ID without brackets (default: generated).
    #[arg(long)]
    message_id: Option<String>,
    /// Resent-Date as RFC 5322 date-time (default: now, UTC).
    #[arg(long)]
    date: Option<String>,
    /// Write the message here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Forwards the message; see the module documentation for exit codes.
pub(crate) fn run(args: &ResendArgs) -> Result<ExitCode, CliError> {
    resend(args, ResendKind::Forward)
}

/// Forwards or redirects; see the module documentation for exit codes.
pub(crate) fn resend(args: &ResendArgs, kind: ResendKind) -> Result<ExitCode, CliError> {
    let raw = io::read_input(&args.file)?;
    let mailbox = address(&args.mailbox, "--mailbox")?;
    let new_recipient = address(&args.to, "--to")?;
    let date = match &args.date {
        Some(text) => DateTime::parse_rfc5322(text).ok_or_else(|| CliError::Argument {
            option: "--date",
            value: text.clone(),
            problem: "not an RFC 5322 date-time",
        })?,
        None => io::now()?,
    };
    let message_id = args
        .message_id
        .clone()
        .unwrap_or_else(|| generated_message_id(&mailbox, kind));
    let mut resend = Resend::new(mailbox, new_recipient, date, message_id);
    if let Some(rcpt) = &args.rcpt_to {
        resend.rcpt_to = address(rcpt, "--rcpt-to")?;
    }
    let result = match kind {
        ResendKind::Forward => forward(&raw, &resend),
        ResendKind::Redirect => redirect(&raw, &resend),
    };
    let out = result.map_err(|error| match error {
        ResendError::Loop(_) | ResendError::RetrieveConfirmationRequested => {
            CliError::refused(args.file.display(), error)
        }
        error => CliError::invalid(args.file.display(), error),
    })?;
    io::write_output(args.output.as_deref(), &out)?;
    Ok(ExitCode::SUCCESS)
}

fn address<'a>(text: &'a str, option: &str) -> Result<DeMailAddress<'a>, CliError> {
    DeMailAddress::parse(text).map_err(|e| CliError::invalid(format!("{option} {text}"), e))
}
