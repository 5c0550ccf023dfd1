using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>decision-tokens verify &lt;token&gt;|-</c>: asks the gateway (<c>POST /v1/decision-tokens/verify</c>, with a token
/// holding the role <c>executor</c>) whether a decision token is live, prints its JSON answer, and exits 0 only when
/// it is live: 2 when revoked, expired or invalid, 7 when the gateway could not be reached or could not check (503).
/// </summary>
internal static class DecisionTokensCommands
{
    /// <summary>The executor's verification route, relative to the gateway's base URL.</summary>
    public const string VerifyRoute = "v1/decision-tokens/verify";

    private const string Live = "live";

    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("decision-tokens", "Decision tokens the gateway issued (what an executor checks before acting)");
        var token = new Argument<string>("token") { Description = "The decision token (v1.<payload>.<mac>), or - to read it from standard input" };
        var verify = new Command("verify", "Ask the gateway whether a decision token is live (needs a token with role executor); exits 0 only when it is") { token };
        verify.SetAction(async (parse, ct) =>
        {
            var presented = parse.GetValue(token)!;
            if (presented == "-")
            {
                if (!runtime.Console.IsInputRedirected)
                {
                    await runtime.Console.Error.WriteLineAsync("error: invalid_input: '-' reads the token from standard input, but nothing is piped");
                    return ExitCodes.InvalidInput;
                }

                presented = (await runtime.Console.In.ReadToEndAsync(ct)).Trim();
            }

            if (presented.Length == 0)
            {
                await runtime.Console.Error.WriteLineAsync("error: invalid_input: the token is empty");
                return ExitCodes.InvalidInput;
            }

            return await runtime.CallGatewayAsync(
                parse,
                HttpMethod.Post,
                VerifyRoute,
                CliRuntime.JsonObject(("token", presented)),
                (body, output) => Print(runtime.Console.Error, body, output),
                ct);
        });
        command.Subcommands.Add(verify);
        return command;
    }

    /// <summary>Prints the answer as JSON (always: it is what a script reads); anything but live exits 2, named on the error stream.</summary>
    private static int? Print(TextWriter error, JsonElement body, TextWriter? output)
    {
        output?.WriteLine(JsonSerializer.Serialize(body, CliRuntime.Indented));
        var status = Json.Str(body, "status");
        if (status == Live)
        {
            return null;
        }

        error.WriteLine($"error: decision_token_{status}: {Json.Str(body, "reason")}");
        return ExitCodes.TokenNotLive;
    }
}
