using System.Text.Json;
using Gateway.Connectors.Redaction;
using Gateway.Policy;

namespace Gateway.Connectors.Detection;

/// <summary>
/// The data classes a payload shows by itself, whatever its writer declares: personal data (an e-mail address, a
/// payment card number, as the redactor finds them in member names, strings and numbers) is <c>pii</c>. Classes found
/// here widen what the catalog and the request say, never narrow them (decision-model §1). Secret material is not a
/// class: the Admit stage refuses it (<see cref="SecretMaterialDetector"/>).
/// </summary>
public static class DataClassDetector
{
    /// <summary>The classes <paramref name="payload"/> shows; <see cref="DataClassSet.None"/> when it shows none.</summary>
    public static DataClassSet Detect(JsonElement payload)
    {
        if (payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False)
        {
            return DataClassSet.None;
        }

        // The redactor's own patterns decide, so that what is detected here is exactly what a read would redact.
        var found = new RedactionCounts();
        JsonRedactor.Redact(payload, found);
        return found[RedactionKind.Email] + found[RedactionKind.CardNumber] > 0 ? DataClass.Pii.ToSet() : DataClassSet.None;
    }
}
