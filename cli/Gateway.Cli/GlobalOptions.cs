using System.CommandLine;

namespace Gateway.Cli;

/// <summary>Options every command accepts: where the admin API is, the token, and the output format.</summary>
internal sealed class GlobalOptions
{
    public const string TokenVariable = "GATEWAY_ADMIN_TOKEN";

    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"The gateway's base URL (else env {GatewayTarget.UrlVariable}, else {GatewayTarget.DemoEnvRelativePath} written by make run)",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Admin bearer token (env {TokenVariable}; prefer the variable, arguments show up in process lists)",
        Recursive = true,
    };

    public Option<bool> AllowInsecureHttp { get; } = new("--allow-insecure-http")
    {
        Description = $"Talk to a gateway on another machine over plain http (env {GatewayTarget.AllowInsecureHttpVariable}=1): only where the network is trusted",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the API's JSON answer instead of text",
        Recursive = true,
    };

    public static Option<string> Tenant() => new("--tenant")
    {
        Description = "Tenant slug",
        Required = true,
    };
}
