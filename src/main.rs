fn main() -> std::process::ExitCode {
    mailorder::cli::main()
}
