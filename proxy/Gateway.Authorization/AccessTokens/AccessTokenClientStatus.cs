namespace Gateway.Authorization.AccessTokens;

/// <summary>Why an agent can or cannot be a client of the token endpoint.</summary>
public enum AccessTokenClientStatus
{
    Found,
    Unknown,

    /// <summary>No policy is loaded: nothing can be verified.</summary>
    Unavailable,
}
