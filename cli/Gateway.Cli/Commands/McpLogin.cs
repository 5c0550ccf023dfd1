using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>mcp login</c>: a person's access token for <c>/mcp</c> through the gateway's authorization-code grant, from a
/// terminal. It listens on a loopback port (the redirect URI <c>http://127.0.0.1:&lt;port&gt;/callback</c>, which an
/// agent's <c>interactive.clients</c> lists as <c>http://127.0.0.1/callback</c>: any port), sends the person's browser to
/// <c>/oauth/authorize</c> with PKCE (S256) and the <c>/mcp</c> resource, waits for the redirect, checks its
/// <c>state</c> and <c>iss</c> (RFC 9207), and exchanges the code. Nothing secret is stored; the token is printed.
/// </summary>
internal static class McpLogin
{
    public static async Task<int> RunAsync(CliConsole console, GatewayTarget target, string clientId, bool openBrowser, bool json, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var issuer = target.BaseUrl.GetLeftPart(UriPartial.Authority) + target.BaseUrl.AbsolutePath.TrimEnd('/');
        var resource = issuer + "/mcp";
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var redirectUri = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/callback";
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var state = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        var authorize = issuer + "/oauth/authorize?" + string.Join('&', new Dictionary<string, string>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["code_challenge"] = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            ["code_challenge_method"] = "S256",
            ["resource"] = resource,
            ["state"] = state,
        }.Select(static p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
        console.Error.WriteLine("Sign in and allow the client in your browser: " + authorize);
        console.Error.Flush();
        if (openBrowser)
        {
            TryOpen(authorize);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        Dictionary<string, List<string>> answer;
        try
        {
            answer = await ReceiveCallbackAsync(listener, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            console.Error.WriteLine($"error: timeout: no answer came back to {redirectUri} within {timeout.TotalSeconds:0} s.");
            return ExitCodes.ApiError;
        }

        string? Single(string name) => answer.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null;
        if (Single("state") != state)
        {
            console.Error.WriteLine("error: state_mismatch: the answer is not for this sign-in.");
            return ExitCodes.ApiError;
        }

        if (Single("iss") != issuer)
        {
            console.Error.WriteLine("error: issuer_mismatch: the answer names another authorization server (RFC 9207).");
            return ExitCodes.ApiError;
        }

        if (Single("error") is { } error)
        {
            console.Error.WriteLine($"error: {error}: {Single("error_description")}");
            return ExitCodes.ApiError;
        }

        using var http = CliHttp.Create(console.Handler, TimeSpan.FromSeconds(30));
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(new Uri(target.BaseUrl, "oauth/token"), new FormUrlEncodedContent(
            [
                new("grant_type", "authorization_code"),
                new("client_id", clientId),
                new("code", Single("code") ?? string.Empty),
                new("redirect_uri", redirectUri),
                new("code_verifier", verifier),
                new("resource", resource),
            ]), cancellationToken);
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
            JsonElement body;
            try
            {
                body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
            }
            catch (JsonException)
            {
                console.Error.WriteLine($"error: api_error: the token endpoint answered {(int)response.StatusCode} without JSON.");
                return ExitCodes.ApiError;
            }

            if (!response.IsSuccessStatusCode || Json.Str(body, "access_token") is not { Length: > 0 } accessToken)
            {
                console.Error.WriteLine($"error: {Json.Str(body, "error")}: {Json.Str(body, "error_description")}");
                return (int)response.StatusCode == 503 ? ExitCodes.Unreachable : ExitCodes.ApiError;
            }

            if (!json)
            {
                console.Out.WriteLine(accessToken);
                return ExitCodes.Success;
            }

            var expiresIn = body.TryGetProperty("expires_in", out var e) && e.TryGetInt64(out var seconds) ? seconds : 0;
            console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["access_token"] = accessToken,
                ["token_type"] = Json.Str(body, "token_type"),
                ["expires_in"] = expiresIn,
                ["expires_at"] = DateTimeOffset.UtcNow.AddSeconds(expiresIn).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["refresh_token"] = Json.Str(body, "refresh_token"),
                ["resource"] = resource,
            }, CliRuntime.Indented));
            return ExitCodes.Success;
        }
    }

    /// <summary>Answers the first request to <c>/callback</c> on the listener and returns its query (anything else: 404, and waits on).</summary>
    private static async Task<Dictionary<string, List<string>>> ReceiveCallbackAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken);
            await using var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
            var requestLine = await reader.ReadLineAsync(cancellationToken) ?? string.Empty;
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync(cancellationToken)))
            {
                // The headers: nothing in them is needed.
            }

            var parts = requestLine.Split(' ');
            var found = parts is ["GET", var target, _] && target.StartsWith("/callback?", StringComparison.Ordinal);
            var page = found ? "Signed in. You may close this window and return to the terminal." : "Not found.";
            var bytes = Encoding.UTF8.GetBytes($"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(page)}\r\nConnection: close\r\n\r\n{page}");
            await stream.WriteAsync(bytes, cancellationToken);
            if (found)
            {
                return ParseQuery(parts[1][(parts[1].IndexOf('?', StringComparison.Ordinal) + 1)..]);
            }
        }
    }

    private static Dictionary<string, List<string>> ParseQuery(string query)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            if (!values.TryGetValue(name, out var list))
            {
                values[name] = list = [];
            }

            list.Add(value);
        }

        return values;

        static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }

    /// <summary>Best effort: the system's browser opener; the URL is printed either way.</summary>
    private static void TryOpen(string url)
    {
        try
        {
            var (file, arguments) = OperatingSystem.IsWindows() ? ("cmd", "/c start \"\" \"" + url.Replace("&", "^&", StringComparison.Ordinal) + "\"")
                : OperatingSystem.IsMacOS() ? ("open", url) : ("xdg-open", url);
            using var process = Process.Start(new ProcessStartInfo(file, [arguments]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true });
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // No opener: the printed URL is enough.
        }
    }
}
