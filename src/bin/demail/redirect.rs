//! `demail redirect` (Nachsendung, TR 01201-3.4 §3.3): the arguments and
//! exit codes of `demail forward`, without `Resent-From` (docs/decisions.md D41).

use std::process::ExitCode;

use demail::resend::ResendKind;

use crate::forward::{ResendArgs, resend};
use crate::io::CliError;

/// Redirects the message.
pub(crate) fn run(args: &ResendArgs) -> Result<ExitCode, CliError> {
    resend(args, ResendKind::Redirect)
}
