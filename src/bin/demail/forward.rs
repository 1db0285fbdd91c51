//! `demail forward` (TR 01201-3.4 §3.2); `demail redirect` (§3.3) shares
//! [`run`]. The message goes to standard output or `--output`, like `demail
//! sign`. Exit codes: 0 done, 1 refused by a rule of the TR (forwarding
//! loop, retrieve confirmation requested), 2 unreadable input or usage error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;

use demail::address::DeMailAddress;
use demail::fields::DateTime;
use demail::resend::{Resend, ResendError, ResendKind, forward, redirect};

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

/// Forwards or redirects; see the module documentation for exit codes.
pub(crate) fn run(args: &ResendArgs, kind: ResendKind) -> Result<ExitCode, String> {
    let raw =
        crate::read_input(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let mailbox = address(&args.mailbox, "mailbox")?;
    let new_recipient = address(&args.to, "to")?;
    let date = match &args.date {
        Some(text) => {
            DateTime::parse_rfc5322(text).ok_or_else(|| format!("--date {text}: not an RFC 5322 date"))?
        }
        None => now(),
    };
    let message_id = args
        .message_id
        .clone()
        .unwrap_or_else(|| generated_id(&mailbox, kind));
    let mut resend = Resend::new(mailbox, new_recipient, date, message_id);
    if let Some(rcpt) = &args.rcpt_to {
        resend.rcpt_to = address(rcpt, "rcpt-to")?;
    }
    let result = match kind {
        ResendKind::Forward => forward(&raw, &resend),
        ResendKind::Redirect => redirect(&raw, &resend),
    };
    let out = match result {
        Ok(out) => out,
        Err(error @ (ResendError::Loop(_) | ResendError::RetrieveConfirmationRequested)) => {
            eprintln!("demail: {}: {error}", args.file.display());
            return Ok(ExitCode::from(1));
        }
        Err(error) => return Err(format!("{}: {error}", args.file.display())),
    };
    write_output(args.output.as_deref(), &out)?;
    Ok(ExitCode::SUCCESS)
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), String> {
    match path {
        Some(path) => {
            std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => std::io::stdout()
            .write_all(bytes)
            .map_err(|e| format!("cannot write the message: {e}")),
    }
}

fn address<'a>(text: &'a str, what: &str) -> Result<DeMailAddress<'a>, String> {
    DeMailAddress::parse(text).map_err(|e| format!("--{what} {text}: {e}"))
}

/// The current time in UTC.
fn now() -> DateTime {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let utc = mail_parser::DateTime::from_timestamp(seconds);
    DateTime {
        year: utc.year,
        month: utc.month,
        day: utc.day,
        hour: utc.hour,
        minute: utc.minute,
        second: utc.second,
        offset_minutes: 0,
    }
}

/// `<seconds>.<nanos>.<pid>.fw@<mailbox domain>` (RFC 5322 §3.6.4: unique).
fn generated_id(mailbox: &DeMailAddress<'_>, kind: ResendKind) -> String {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let tag = match kind {
        ResendKind::Forward => "fw",
        ResendKind::Redirect => "rd",
    };
    format!(
        "{}.{}.{}.{tag}@{}",
        elapsed.as_secs(),
        elapsed.subsec_nanos(),
        std::process::id(),
        mailbox.domain
    )
}
