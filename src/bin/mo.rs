//! `mo`: the command-line client of mailorder (see `mailorder::client`).

fn main() -> std::process::ExitCode {
    mailorder::client::main()
}
