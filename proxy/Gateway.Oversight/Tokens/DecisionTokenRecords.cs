using Gateway.Policy.Tokens;
using Gateway.Store;

namespace Gateway.Oversight.Tokens;

/// <summary>Where a decision token's state lives in the store: the record its <c>rec</c> claim names, else its own by id.</summary>
public static class DecisionTokenRecords
{
    /// <summary>
    /// The token's record key: its request's nonce record (<see cref="StoreKeys.NonceRecord"/>) when the token names it,
    /// else the record by its id (<see cref="StoreKeys.DecisionToken"/>) that a token issued before <c>rec</c> has.
    /// </summary>
    public static string KeyOf(DecisionTokenPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload.Record is { } record
            ? StoreKeys.NonceRecord(payload.Tenant, record)
            : StoreKeys.DecisionToken(payload.Tenant, payload.TokenId);
    }
}
