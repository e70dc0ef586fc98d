//! Reading a new password for `rekam operators add` and `passwd`: from the terminal without echo,
//! asked twice, or from standard input (`--password-stdin`, one line).
//!
//! Contract: a password shorter than [`MIN_PASSWORD_CHARS`] characters (or refused by
//! [`operators::check_password`]), or one that differs between
//! the two prompts, is refused with a message saying so, before anything is stored. Echo is turned
//! off with `stty -echo` on `/dev/tty` (no unsafe code, no extra crate) and turned back on however
//! reading ends.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::operators::{self, MIN_PASSWORD_CHARS};

/// Longest line read as a password, in bytes (Argon2 takes any length; this bounds the read).
const MAX_PASSWORD_BYTES: usize = 1024;

/// Refuses a password that is too short or holds a control character.
pub fn check(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        bail!(
            "the password has {n} characters; at least {MIN_PASSWORD_CHARS} are needed (a phrase of a few words is easy to remember)"
        );
    }
    if password.chars().any(char::is_control) {
        bail!("the password contains a control character");
    }
    operators::check_password(password).map_err(anyhow::Error::msg)
}

/// One line of `input` without its line ending.
fn one_line(input: impl Read) -> Result<String> {
    let mut line = String::new();
    BufReader::new(input.take(MAX_PASSWORD_BYTES as u64 + 2))
        .read_line(&mut line)
        .context("cannot read the password")?;
    let line = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line)
        .to_string();
    if line.len() > MAX_PASSWORD_BYTES {
        bail!("the password is longer than {MAX_PASSWORD_BYTES} bytes");
    }
    Ok(line)
}

/// The password on the first line of standard input, checked.
pub fn from_stdin(stdin: impl Read) -> Result<String> {
    let p = one_line(stdin)?;
    check(&p)?;
    Ok(p)
}

/// Turns the terminal's echo back on when dropped.
struct EchoOff;

impl EchoOff {
    fn new() -> Result<EchoOff> {
        stty("-echo")?;
        Ok(EchoOff)
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        let _ = stty("echo");
    }
}

fn stty(arg: &str) -> Result<()> {
    let tty = File::open("/dev/tty").context("no terminal to read the password from")?;
    let status = Command::new("stty")
        .arg(arg)
        .stdin(Stdio::from(tty))
        .status()
        .context("cannot run stty to hide the password as it is typed")?;
    if !status.success() {
        bail!("stty {arg} failed on /dev/tty");
    }
    Ok(())
}

/// Asks for a new password twice on the terminal, without echo, and checks it.
pub fn from_terminal(what: &str) -> Result<String> {
    let mut tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .context("no terminal to read the password from; give --password-stdin and pipe it in")?;
    let mut ask = |prompt: &str| -> Result<String> {
        write!(tty, "{prompt}")?;
        tty.flush()?;
        let line = {
            let _echo = EchoOff::new()?;
            one_line(&mut tty)
        };
        writeln!(tty)?;
        line
    };
    let first = ask(&format!("New password for {what}: "))?;
    check(&first)?;
    let second = ask("Again: ")?;
    if first != second {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_password_is_refused_saying_how_long_it_must_be() {
        let e = from_stdin(&b"pendek\n"[..]).expect_err("short");
        assert!(e.to_string().contains("at least 10"), "{e}");
        assert_eq!(
            from_stdin(&b"cukup panjang sekali\r\n"[..]).expect("long enough"),
            "cukup panjang sekali"
        );
        assert!(from_stdin(&b"tab\tinside the password"[..]).is_err());
    }
}
