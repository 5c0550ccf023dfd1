namespace Gateway.Policy.Tokens;

/// <summary>
/// What the host settled before a token is issued: its id (already recorded in the shared store), the token
/// generations it is issued under (read in the same step), the request it answers and the approval it rests on.
/// </summary>
/// <param name="TokenId">The token's <c>jti</c>: base64url of 16 random bytes (<see cref="NewTokenId"/>).</param>
/// <param name="TenantGeneration">The tenant's token generation when the token was recorded.</param>
/// <param name="AgentGeneration">The agent's token generation when the token was recorded.</param>
public sealed record DecisionTokenGrant(string TokenId, long TenantGeneration, long AgentGeneration)
{
    /// <summary>
    /// The name of the record the token's state lives in, when it is its request's nonce record (the agent, then the
    /// nonce: one store key per admitted request, not two); null: the token's own record, by its id.
    /// </summary>
    public string? Record { get; init; }

    /// <summary>The id of the request the decision is made for.</summary>
    public string? RequestId { get; init; }

    /// <summary>The approval whose warrant the decision redeemed.</summary>
    public string? ApprovalId { get; init; }

    /// <summary>
    /// True when the decision only answers (<c>/v1/evaluate</c>): its token is the evaluation's,
    /// which the agent may present once on the action it evaluated (<see cref="DecisionTokenPayload.Evaluation"/>).
    /// </summary>
    public bool Evaluation { get; init; }

    /// <summary>The actor chain the token names (<see cref="DecisionTokenPayload.ActorChain"/>); null when the agent acted alone.</summary>
    public IReadOnlyList<ActorLink>? ActorChain { get; init; }

    /// <summary>The run the token names (<see cref="DecisionTokenPayload.Run"/>); null when the request named none.</summary>
    public string? Run { get; init; }

    /// <summary>A fresh token id: 16 random bytes, base64url (22 characters).</summary>
    public static string NewTokenId()
    {
        Span<byte> id = stackalloc byte[16];
        ThreadRandomBytes.Fill(id);
        return System.Buffers.Text.Base64Url.EncodeToString(id);
    }
}
