using System.Text.Json.Serialization;

namespace Gateway.Authorization.Interactive;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PendingAuthorization))]
[JsonSerializable(typeof(InteractiveGrant))]
[JsonSerializable(typeof(PersonConsent))]
[JsonSerializable(typeof(IReadOnlyList<PersonConsent>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class InteractiveJsonContext : JsonSerializerContext;
