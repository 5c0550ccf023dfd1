using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Tokens;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>mcp token</c>: a short-lived access token for <c>/mcp</c>, for an MCP client that can only send a header. It proves
/// the agent as the MCP SDKs' client-credentials providers do (<c>client_secret_jwt</c>: an HS256 assertion signed with
/// the agent's runtime secret, <c>iss</c> = <c>sub</c> = <c>tenant/workspace/agent</c>, <c>aud</c> the gateway's issuer,
/// five minutes at most) and asks <c>POST /oauth/token</c> with <c>resource</c> = the <c>/mcp</c> URL. The secret is
/// read from a file, <c>GAMUT_BYO_AGENT_SECRET</c>, piped standard input or the demo file, and is never sent nor printed.
/// </summary>
internal static class McpCommands
{
    private const string SecretVariable = "GAMUT_BYO_AGENT_SECRET";
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromMinutes(1);

    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var command = new Command("mcp", "MCP clients of the gateway's /mcp endpoint");
        var tenant = new Option<string?>("--tenant") { Description = "The agent's tenant (default: GAMUT_TENANT_SLUG, then the demo file)" };
        var workspace = new Option<string?>("--workspace") { Description = "The agent's workspace (default: GAMUT_WORKSPACE_ID, then the demo file)" };
        var agent = new Option<string?>("--agent") { Description = "The agent (default: GAMUT_AGENT_ID, then the demo file)" };
        var secretFile = new Option<FileInfo?>("--secret-file") { Description = "A file holding the agent's runtime secret (else GAMUT_BYO_AGENT_SECRET, piped standard input or the demo file); never an argument" };
        var token = new Command("token", """
            Print a short-lived access token for /mcp, for an MCP client configured with a header (Authorization: Bearer <token>).
            The agent's secret signs a client assertion (client_secret_jwt) and never leaves this machine. With --json: the
            token, its type, expires_in and expires_at. Exit 0, 1 refused by the gateway, 6 invalid input, 7 unreachable.
            Example: gatewayctl mcp token --json
            """) { tenant, workspace, agent, secretFile };
        token.SetAction((parse, ct) => TokenAsync(options, console, parse, parse.GetValue(tenant), parse.GetValue(workspace), parse.GetValue(agent), parse.GetValue(secretFile), ct));
        command.Subcommands.Add(token);

        var clientId = new Option<string>("--client-id") { Description = "The client id an agent's interactive.clients lists (with the redirect URI http://127.0.0.1/callback)", Required = true };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Only print the URL to open (standard error); do not start a browser" };
        var wait = new Option<int>("--timeout") { Description = "Seconds to wait for the browser to come back (default 300)", DefaultValueFactory = static _ => 300 };
        var login = new Command("login", """
            Sign a person in for /mcp through the gateway's authorization-code grant: opens the browser at /oauth/authorize
            (PKCE S256, the /mcp resource, a loopback redirect on a free port), waits for the answer, checks its state and
            iss, exchanges the code and prints the access token (with --json also the refresh token and expiry).
            Exit 0, 1 refused (or no answer in time), 6 invalid input, 7 unreachable.
            Example: gatewayctl mcp login --client-id my-ide --json
            """) { clientId, noBrowser, wait };
        login.SetAction(async (parse, ct) =>
        {
            var (target, targetError) = GatewayTarget.Resolve(parse.GetValue(options.Url), parse.GetValue(options.AllowInsecureHttp), console);
            if (target is null || parse.GetValue(clientId) is not { Length: > 0 } id || parse.GetValue(wait) is < 1 or > 3600)
            {
                console.Error.WriteLine(targetError ?? "error: invalid_input: --client-id is required; --timeout is 1 to 3600 seconds.");
                return ExitCodes.InvalidInput;
            }

            return await McpLogin.RunAsync(console, target, id, !parse.GetValue(noBrowser), parse.GetValue(options.Json), TimeSpan.FromSeconds(parse.GetValue(wait)), ct);
        });
        command.Subcommands.Add(login);
        return command;
    }

    private static async Task<int> TokenAsync(GlobalOptions options, CliConsole console, ParseResult parse, string? tenant, string? workspace, string? agent, FileInfo? secretFile, CancellationToken cancellationToken)
    {
        var (target, targetError) = GatewayTarget.Resolve(parse.GetValue(options.Url), parse.GetValue(options.AllowInsecureHttp), console);
        if (target is null)
        {
            console.Error.WriteLine(targetError);
            return ExitCodes.InvalidInput;
        }

        var demoFile = GatewayTarget.FindDemoFile(console);
        string? Value(string? option, string variable) =>
            option ?? console.GetEnvironmentVariable(variable) ?? (demoFile is null ? null : GatewayTarget.ReadValue(demoFile, variable));
        tenant = Value(tenant, "GAMUT_TENANT_SLUG");
        workspace = Value(workspace, "GAMUT_WORKSPACE_ID");
        agent = Value(agent, "GAMUT_AGENT_ID");
        if (string.IsNullOrWhiteSpace(tenant) || string.IsNullOrWhiteSpace(workspace) || string.IsNullOrWhiteSpace(agent))
        {
            console.Error.WriteLine("error: invalid_input: name the agent with --tenant, --workspace and --agent (or GAMUT_TENANT_SLUG, GAMUT_WORKSPACE_ID, GAMUT_AGENT_ID).");
            return ExitCodes.InvalidInput;
        }

        // The secret: --secret-file, else GAMUT_BYO_AGENT_SECRET from the environment (a job that exported it means it,
        // whatever its standard input is: cron's /dev/null, CI's pipe, ssh's channel), else standard input when piped and
        // not empty, else the demo file's line. Empty piped input falls through instead of failing the command.
        var exported = console.GetEnvironmentVariable(SecretVariable);
        var secret = secretFile is null && !string.IsNullOrEmpty(exported) ? exported : null;
        if (secret is null && (secretFile is not null || console.IsInputRedirected))
        {
            (secret, var secretError) = await SecretInput.ReadAsync(console, secretFile, cancellationToken);
            if (secret is null && (secretFile is not null || secretError != SecretInput.EmptyValue))
            {
                console.Error.WriteLine($"error: invalid_input: the agent's secret: {secretError}");
                return ExitCodes.InvalidInput;
            }
        }

        secret ??= demoFile is null ? null : GatewayTarget.ReadValue(demoFile, SecretVariable);
        if (string.IsNullOrEmpty(secret))
        {
            console.Error.WriteLine($"error: invalid_input: no agent secret; pass --secret-file, pipe it on standard input or set {SecretVariable}.");
            return ExitCodes.InvalidInput;
        }

        var issuer = target.BaseUrl.GetLeftPart(UriPartial.Authority) + target.BaseUrl.AbsolutePath.TrimEnd('/');
        var resource = issuer + "/mcp";
        var form = new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            new("client_assertion", Assertion(tenant + "/" + workspace + "/" + agent, issuer, secret)),
            new("resource", resource),
        ]);

        using var http = CliHttp.Create(console.Handler, TimeSpan.FromSeconds(30));
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUrl, "oauth/token")) { Content = form };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (RedirectRefusedException ex)
        {
            return CliHttp.Refused(console.Error, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            console.Error.WriteLine($"error: unreachable: {target.BaseUrl} ({target.Source}) did not answer: {ex.Message}");
            return ExitCodes.Unreachable;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement body;
            try
            {
                body = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                console.Error.WriteLine($"error: api_error: the token endpoint answered {(int)response.StatusCode} without JSON.");
                return (int)response.StatusCode == 503 ? ExitCodes.Unreachable : ExitCodes.ApiError;
            }

            if (!response.IsSuccessStatusCode || Json.Str(body, "access_token") is not { Length: > 0 } accessToken)
            {
                console.Error.WriteLine($"error: {Json.Str(body, "error")}: {Json.Str(body, "error_description")}");
                return (int)response.StatusCode == 503 ? ExitCodes.Unreachable : ExitCodes.ApiError;
            }

            if (parse.GetValue(options.Json))
            {
                var expiresIn = body.TryGetProperty("expires_in", out var e) && e.TryGetInt64(out var seconds) ? seconds : 0;
                console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["access_token"] = accessToken,
                    ["token_type"] = Json.Str(body, "token_type"),
                    ["expires_in"] = expiresIn,
                    ["expires_at"] = DateTimeOffset.UtcNow.AddSeconds(expiresIn).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    ["resource"] = resource,
                }, CliRuntime.Indented));
            }
            else
            {
                console.Out.WriteLine(accessToken);
            }

            return ExitCodes.Success;
        }
    }

    /// <summary>
    /// The client_secret_jwt assertion (RFC 7523): HS256 under the agent's secret, for the gateway as audience, written by
    /// the gateway's own JWS writer (<see cref="CompactJws.SignHs256"/>), the format its token endpoint reads.
    /// </summary>
    private static string Assertion(string clientId, string audience, string secret)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = clientId,
            ["sub"] = clientId,
            ["aud"] = audience,
            ["jti"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["iat"] = now,
            ["exp"] = now + (long)AssertionLifetime.TotalSeconds,
        });
        return CompactJws.SignHs256(new HmacKey(Encoding.UTF8.GetBytes(secret)), """{"alg":"HS256","typ":"JWT"}"""u8, claims);
    }
}
