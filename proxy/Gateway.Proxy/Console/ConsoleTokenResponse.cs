using System.Text.Json.Serialization;

namespace Gateway.Proxy.Console;

/// <summary>The provider's token endpoint answer to the authorization code: only the ID token is used (and never kept).</summary>
internal sealed record ConsoleTokenResponse([property: JsonPropertyName("id_token")] string? IdToken);
