using System.Text.Json.Serialization;
using Gateway.Connectors.Vault;

namespace Gateway.Oversight.Credentials;

/// <summary>The JSON of the vault's records as the file and state-store record stores keep them.</summary>
[JsonSerializable(typeof(CredentialRecord))]
[JsonSerializable(typeof(CredentialFileDocument))]
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CredentialRecordJson : JsonSerializerContext;

/// <summary>The credential file of <see cref="FileCredentialStore"/>: format 1, records by tenant and name.</summary>
internal sealed class CredentialFileDocument
{
    [JsonPropertyName("format")]
    public int Format { get; set; } = 1;

    [JsonPropertyName("tenants")]
    public Dictionary<string, Dictionary<string, CredentialRecord>> Tenants { get; set; } = new(StringComparer.Ordinal);
}
