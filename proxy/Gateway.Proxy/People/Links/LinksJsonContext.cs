using System.Text.Json.Serialization;

namespace Gateway.Proxy.People.Links;

/// <summary>The link records' JSON (inside their envelopes) and the link flow's stored state.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LinkedAccount))]
[JsonSerializable(typeof(LinkGrant))]
[JsonSerializable(typeof(LinkFlowState))]
[JsonSerializable(typeof(UpstreamTokenResponse))]
[JsonSerializable(typeof(RegisteredClient))]
internal sealed partial class LinksJsonContext : JsonSerializerContext;
