using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli;

/// <summary>Runs one admin API call for a parsed command and turns the answer into output and an exit code.</summary>
internal sealed class CliRuntime(CliConsole console, GlobalOptions options)
{
    /// <summary>How JSON answers are printed.</summary>
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public CliConsole Console => console;

    public GlobalOptions Options => options;

    /// <summary>
    /// Calls the API; on success prints the JSON (with <c>--json</c>, and <paramref name="print"/> gets a
    /// null writer) or lets <paramref name="print"/> write text; its result is the exit code (null: 0).
    /// </summary>
    public Task<int> CallAsync(ParseResult parse, HttpMethod method, string path, string? body, Func<JsonElement, TextWriter?, int?> print, CancellationToken cancellationToken) =>
        CallAsync(parse, method, AdminClient.AdminPrefix + path.TrimStart('/'), body, print, ExitCodes.ApiError, cancellationToken);

    /// <summary>
    /// Like <see cref="CallAsync(ParseResult, HttpMethod, string, string?, Func{JsonElement, TextWriter?, int?}, CancellationToken)"/>
    /// for a bearer-token route outside <c>/admin/v1</c> (<paramref name="route"/> relative to the gateway's base URL),
    /// whose 503 (the gateway could not check: its store is unreachable) exits 7 like an unreachable gateway.
    /// </summary>
    public Task<int> CallGatewayAsync(ParseResult parse, HttpMethod method, string route, string? body, Func<JsonElement, TextWriter?, int?> print, CancellationToken cancellationToken) =>
        CallAsync(parse, method, route, body, print, ExitCodes.Unreachable, cancellationToken);

    private Task<int> CallAsync(ParseResult parse, HttpMethod method, string route, string? body, Func<JsonElement, TextWriter?, int?> print, int unavailableExitCode, CancellationToken cancellationToken) =>
        RunAsync(parse, announce: method != HttpMethod.Get, client => client.SendAsync(method, route, body, cancellationToken), print, unavailableExitCode);

    /// <summary>
    /// Several admin API GETs for one command (a run's story page by page, two runs to compare): <paramref name="gather"/>
    /// is handed a function that GETs an admin path and returns its JSON, and returns the one document the command prints
    /// (with <c>--json</c>) or hands <paramref name="print"/>. The first refusal ends it as <see cref="CallAsync(ParseResult, HttpMethod, string, string?, Func{JsonElement, TextWriter?, int?}, CancellationToken)"/> would.
    /// </summary>
    public Task<int> FetchAsync(ParseResult parse, Func<Func<string, Task<JsonElement>>, Task<JsonElement>> gather, Func<JsonElement, TextWriter?, int?> print, CancellationToken cancellationToken) =>
        ExchangeAsync(parse, send => gather(path => send(HttpMethod.Get, AdminClient.AdminPrefix + path.TrimStart('/'), null)), print, cancellationToken);

    /// <summary>
    /// Like <see cref="FetchAsync"/> with any method and body: <paramref name="gather"/> is handed a function that sends
    /// (method, route relative to the gateway's base URL, JSON body or null) and returns the answer's JSON.
    /// </summary>
    public Task<int> ExchangeAsync(ParseResult parse, Func<Func<HttpMethod, string, string?, Task<JsonElement>>, Task<JsonElement>> gather, Func<JsonElement, TextWriter?, int?> print, CancellationToken cancellationToken) =>
        RunAsync(parse, announce: false, async client =>
        {
            try
            {
                return new AdminResponse(System.Net.HttpStatusCode.OK, await gather(async (method, route, json) =>
                {
                    var response = await client.SendAsync(method, route, json, cancellationToken);
                    return !response.IsSuccess ? throw new RefusedCallException(response)
                        : response.Body ?? throw new UnexpectedAnswerException($"{route.Split('?')[0]} answered {(int)response.Status} {(response.NotJson ? "with a body that is not JSON" : "without a body")}");
                }));
            }
            catch (RefusedCallException refused)
            {
                return refused.Response;
            }
            catch (Exception ex) when (ex is not UnexpectedAnswerException && UnexpectedAnswerException.IsShapeError(ex))
            {
                // An answer of another shape than the command reads (a member missing or of another kind).
                throw new UnexpectedAnswerException(ex.Message, ex);
            }
        }, print, ExitCodes.ApiError);

    private async Task<int> RunAsync(ParseResult parse, bool announce, Func<AdminClient, Task<AdminResponse>> call, Func<JsonElement, TextWriter?, int?> print, int unavailableExitCode)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var (target, token) = await ResolveAsync(parse);
        if (target is null || token is null)
        {
            return ExitCodes.InvalidInput;
        }

        // Every change says where it goes (on the error stream, so that --json output stays one document).
        var baseUrl = target.BaseUrl;
        if (announce)
        {
            await console.Error.WriteLineAsync($"gateway: {baseUrl} (from {target.Source})");
        }

        AdminResponse response;
        try
        {
            using var client = new AdminClient(baseUrl, token, console.Handler);
            response = await call(client);
        }
        catch (RedirectRefusedException ex)
        {
            return CliHttp.Refused(console.Error, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await console.Error.WriteLineAsync($"error: unreachable: cannot reach {baseUrl}: {ex.Message}");
            return ExitCodes.Unreachable;
        }
        catch (UnexpectedAnswerException ex)
        {
            return await UnexpectedAsync(baseUrl, ex.Message);
        }

        if (response.IsSuccess && response.NotJson)
        {
            return await UnexpectedAsync(baseUrl, $"it answered {(int)response.Status} with a body that is not JSON");
        }

        try
        {
            return await PrintAsync(parse, response, print, unavailableExitCode);
        }
        catch (Exception ex) when (UnexpectedAnswerException.IsShapeError(ex))
        {
            return await UnexpectedAsync(baseUrl, ex.Message);
        }
    }

    // A successful answer gatewayctl cannot read: named, exit 7 (the gateway it meant to reach did not answer as one).
    private async Task<int> UnexpectedAsync(Uri baseUrl, string why)
    {
        await console.Error.WriteLineAsync(TerminalText.Safe($"error: unexpected_answer: {baseUrl} did not answer as a gateway of this gatewayctl's version: {why}"));
        return ExitCodes.Unreachable;
    }

    private async Task<int> PrintAsync(ParseResult parse, AdminResponse response, Func<JsonElement, TextWriter?, int?> print, int unavailableExitCode)
    {
        var json = parse.GetValue(options.Json);
        if (!response.IsSuccess)
        {
            if (json && response.Body is { } problem)
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(problem, Indented));
            }

            // The gateway's words: a detail may quote what an agent sent, so its terminal controls are escaped.
            await console.Error.WriteLineAsync(TerminalText.Safe($"error: {response.ProblemCode}: {response.ProblemText}"));
            return response.Status == System.Net.HttpStatusCode.ServiceUnavailable ? unavailableExitCode : ExitCodes.ApiError;
        }

        var element = response.Body ?? JsonSerializer.SerializeToElement(new { status = (int)response.Status });
        if (json)
        {
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(element, Indented));
            return print(element, null) ?? ExitCodes.Success;
        }

        return print(element, console.Out) ?? ExitCodes.Success;
    }

    /// <summary>
    /// GETs <paramref name="path"/> and streams a successful body into <paramref name="destination"/> (an
    /// export); a refusal prints its problem code and exits 1, an unreachable gateway exits 7.
    /// </summary>
    public async Task<int> DownloadAsync(ParseResult parse, string path, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var (target, token) = await ResolveAsync(parse);
        if (target is null || token is null)
        {
            return ExitCodes.InvalidInput;
        }

        AdminResponse response;
        try
        {
            using var client = new AdminClient(target.BaseUrl, token, console.Handler);
            response = await client.DownloadAsync(path, destination, cancellationToken);
        }
        catch (RedirectRefusedException ex)
        {
            return CliHttp.Refused(console.Error, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await console.Error.WriteLineAsync($"error: unreachable: cannot reach {target.BaseUrl}: {ex.Message}");
            return ExitCodes.Unreachable;
        }

        if (!response.IsSuccess)
        {
            await console.Error.WriteLineAsync(TerminalText.Safe($"error: {response.ProblemCode}: {response.ProblemText}"));
            return ExitCodes.ApiError;
        }

        return ExitCodes.Success;
    }

    /// <summary>The gateway and the admin token of the call; when either is missing, says why on the error stream.</summary>
    private async Task<(GatewayTarget? Target, string? Token)> ResolveAsync(ParseResult parse)
    {
        var (target, targetError) = GatewayTarget.Resolve(parse.GetValue(options.Url), parse.GetValue(options.AllowInsecureHttp), console);
        if (target is null)
        {
            await console.Error.WriteLineAsync(targetError);
            return (null, null);
        }

        var token = parse.GetValue(options.Token) ?? console.GetEnvironmentVariable(GlobalOptions.TokenVariable);
        if (string.IsNullOrEmpty(token))
        {
            await console.Error.WriteLineAsync($"error: invalid_input: no admin token; pass --token or set {GlobalOptions.TokenVariable}");
            return (target, null);
        }

        if (token.Any(static c => c is < ' ' or > '~'))
        {
            // No header can carry it (a line break would end the header); never echoed, it is a secret.
            var crlf = token.Contains('\r', StringComparison.Ordinal) ? " (it holds a carriage return: read from a file saved with CRLF line endings? strip it, e.g. tr -d '\\r')" : string.Empty;
            await console.Error.WriteLineAsync($"error: invalid_input: the admin token (--token or {GlobalOptions.TokenVariable}) holds a control character or a non-ASCII character, which no request header can carry{crlf}");
            return (target, null);
        }

        return (target, token);
    }

    /// <summary>A JSON object with one string member, escaped properly.</summary>
    public static string JsonObject(params (string Name, object? Value)[] members)
    {
        var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in members)
        {
            dictionary[name] = value;
        }

        return JsonSerializer.Serialize(dictionary);
    }

    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>A refused GET of <see cref="FetchAsync"/>: its answer ends the command.</summary>
    internal sealed class RefusedCallException(AdminResponse response) : Exception
    {
        public AdminResponse Response { get; } = response;
    }
}
