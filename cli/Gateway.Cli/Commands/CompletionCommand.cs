using System.CommandLine;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>completion bash|zsh</c>: prints a shell completion script. The script asks gatewayctl itself
/// (System.CommandLine's <c>[suggest:N]</c> directive), so completions always match this version.
/// </summary>
internal static class CompletionCommand
{
    private const string Bash = """
        # gatewayctl completion for bash: eval "$(gatewayctl completion bash)"
        _gatewayctl_complete() {
          local line="${COMP_LINE#* }"
          local position=$((COMP_POINT - ${#COMP_LINE} + ${#line}))
          local IFS=$'\n'
          COMPREPLY=($(compgen -W "$(gatewayctl "[suggest:${position}]" "${line}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _gatewayctl_complete gatewayctl
        """;

    private const string Zsh = """
        # gatewayctl completion for zsh: eval "$(gatewayctl completion zsh)"
        _gatewayctl_complete() {
          local line="${BUFFER#* }"
          local position=$((CURSOR - ${#BUFFER} + ${#line}))
          local -a candidates
          candidates=("${(@f)$(gatewayctl "[suggest:${position}]" "${line}" 2>/dev/null)}")
          compadd -- $candidates
        }
        compdef _gatewayctl_complete gatewayctl
        """;

    public static Command Build(CliConsole console)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print a shell completion script: eval \"$(gatewayctl completion bash)\"") { shell };
        command.SetAction(async (parse, ct) =>
        {
            await console.Out.WriteLineAsync(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            return ExitCodes.Success;
        });
        return command;
    }
}
