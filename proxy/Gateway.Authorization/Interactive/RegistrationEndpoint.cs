using System.Net;
using System.Text.Json;
using Gateway.Authorization.AccessTokens;
using Gateway.Policy.Serialization;
using Gateway.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Authorization.Interactive;

/// <summary>
/// <c>POST /oauth/register</c>: dynamic client registration (RFC 7591), served only while some agent's
/// <c>interactive:</c> block says <c>dynamic_registration: true</c> (else 404). A public client only
/// (<c>token_endpoint_auth_method</c> <c>none</c>), the authorization-code grant only, 1 to 10 redirect URIs, each
/// absolute without a fragment, https or http on a loopback host (<c>invalid_redirect_uri</c>); anything else is
/// <c>invalid_client_metadata</c>, as is a body that is not JSON or does not arrive whole in time. The answer (201) is
/// the client's id and its metadata; nothing secret. Rate limited per client address (<see cref="InteractiveRateLimit"/>), and
/// kept only an authorization request's time until a code of it is redeemed (<see cref="RegisteredClients"/>).
/// </summary>
internal sealed partial class RegistrationEndpoint
{
    private const int MaxBodyBytes = 8 * 1024;

    private readonly IInteractiveHost _host;
    private readonly RegisteredClients _clients;
    private readonly InteractiveRateLimit _limit;
    private readonly TimeProvider _time;
    private readonly ILogger<RegistrationEndpoint> _logger;

    public RegistrationEndpoint(IInteractiveHost host, RegisteredClients clients, InteractiveRateLimit limit, TimeProvider time, ILogger<RegistrationEndpoint> logger)
    {
        _limit = limit;
        _host = host;
        _clients = clients;
        _time = time;
        _logger = logger;
    }

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        if (!_host.AcceptsDynamicRegistration)
        {
            return OAuthJson.Error(StatusCodes.Status404NotFound, "not_found", "Dynamic client registration is not enabled here.");
        }

        if (await _limit.RefuseAsync(context, InteractiveRateLimit.Register).ConfigureAwait(false) is { } limited)
        {
            return limited;
        }

        if (context.Request.ContentLength is null or > MaxBodyBytes || context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Refuse("invalid_client_metadata", $"Send the client's metadata as application/json with a Content-Length, at most {MaxBodyBytes} bytes.");
        }

        JsonElement metadata;
        try
        {
            // The body whole (its Content-Length is at most MaxBodyBytes), parsed strictly (JsonText): text, no member repeated.
            var body = new byte[(int)context.Request.ContentLength.Value];
            await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted).ConfigureAwait(false);
            metadata = JsonText.ParseStrict(body);
        }
        catch (Exception ex) when (ex is JsonException or EndOfStreamException)
        {
            return Refuse("invalid_client_metadata", "The body is not JSON, or repeats a member.");
        }
        catch (BadHttpRequestException)
        {
            // The server refused the body while it was read (it stopped arriving, or ended early): the client's, never a 500.
            return Refuse("invalid_client_metadata", "The body did not arrive whole in time.");
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return Refuse("invalid_client_metadata", "The body must be a JSON object.");
        }

        if (metadata.TryGetProperty("token_endpoint_auth_method", out var method) && (method.ValueKind != JsonValueKind.String || method.GetString() != "none"))
        {
            return Refuse("invalid_client_metadata", "Only public clients register here: token_endpoint_auth_method none.");
        }

        if (!OnlyAllowed(metadata, "grant_types", "authorization_code", "refresh_token") || !OnlyAllowed(metadata, "response_types", "code"))
        {
            return Refuse("invalid_client_metadata", "Only grant_types authorization_code and refresh_token, and response_types code.");
        }

        var uris = new List<string>();
        if (!metadata.TryGetProperty("redirect_uris", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > 10)
        {
            return Refuse("invalid_redirect_uri", "redirect_uris must list 1 to 10 URIs.");
        }

        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: <= 2048 } text || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
                || !string.IsNullOrEmpty(uri.Fragment) || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri))))
            {
                return Refuse("invalid_redirect_uri", "Each redirect URI must be absolute, without a fragment, https (http only on a loopback host).");
            }

            uris.Add(text);
        }

        if (!RegisteredClients.Fits(uris))
        {
            // Kept in the store on an anonymous request: no more than the body's size, whatever JSON escapes there.
            return Refuse("invalid_redirect_uri", $"The redirect URIs must take at most {RegisteredClients.MaxStoredBytes} bytes as JSON.");
        }

        try
        {
            var clientId = await _clients.RegisterAsync(uris, context.RequestAborted).ConfigureAwait(false);
            LogRegistered(_logger, uris.Count);
            return OAuthJson.Object(StatusCodes.Status201Created, json =>
            {
                json.WriteString("client_id", clientId);
                json.WriteNumber("client_id_issued_at", _time.GetUtcNow().ToUnixTimeSeconds());
                json.WriteStartArray("redirect_uris");
                foreach (var uri in uris)
                {
                    json.WriteStringValue(uri);
                }

                json.WriteEndArray();
                json.WriteString("token_endpoint_auth_method", "none");
                json.WriteStartArray("grant_types");
                json.WriteStringValue("authorization_code");
                json.WriteStringValue("refresh_token");
                json.WriteEndArray();
                json.WriteStartArray("response_types");
                json.WriteStringValue("code");
                json.WriteEndArray();
                if (metadata.TryGetProperty("client_name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: <= 255 } clientName)
                {
                    json.WriteString("client_name", clientName);
                }
            });
        }
        catch (StateStoreUnavailableException)
        {
            return OAuthJson.Error(StatusCodes.Status503ServiceUnavailable, OAuthErrors.TemporarilyUnavailable, "The state store cannot be reached; try again.");
        }
    }

    private static bool OnlyAllowed(JsonElement metadata, string name, params string[] allowed) =>
        !metadata.TryGetProperty(name, out var values)
        || (values.ValueKind == JsonValueKind.Array && values.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String && allowed.Contains(v.GetString())));

    private static bool IsLoopback(Uri uri) =>
        uri.Host == "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private IResult Refuse(string error, string description)
    {
        LogRefused(_logger, error);
        return OAuthJson.Error(StatusCodes.Status400BadRequest, error, description);
    }

    [LoggerMessage(EventId = 4155, Level = LogLevel.Information, Message = "A client registered itself ({Count} redirect URIs)")]
    private static partial void LogRegistered(ILogger logger, int count);

    [LoggerMessage(EventId = 4156, Level = LogLevel.Information, Message = "Client registration refused: {Error}")]
    private static partial void LogRefused(ILogger logger, string error);
}
