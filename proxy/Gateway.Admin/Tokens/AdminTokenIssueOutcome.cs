using Gateway.Oversight;

namespace Gateway.Admin.Tokens;

/// <summary>The outcome of <see cref="AdminTokenService.IssueAsync"/>: the token, or a stable refusal code.</summary>
public sealed record AdminTokenIssueOutcome(IssuedAdminToken? Issued, string? Code)
{
    public const string NameTaken = "token_name_taken";
    public const string InvalidName = "token_name_invalid";
    public const string InvalidRoles = "token_roles_invalid";

    /// <summary>An approver token without tenant and person, or a malformed tenant or person.</summary>
    public const string InvalidScope = "token_scope_invalid";

    /// <summary>The tenant is not in the policy in force, or the person is not one of its approvers.</summary>
    public const string UnknownPerson = "token_person_unknown";

    /// <summary>A tenant-confined admin tried to mint a token outside its tenant (403).</summary>
    public const string ScopeForbidden = "token_scope_forbidden";

    /// <summary>The tenant already holds its limit of live tokens (<c>Gateway:Admin:MaxLiveTokensPerTenant</c>): revoke one first (409).</summary>
    public const string LimitReached = "token_limit_reached";

    /// <summary>The issuer's own token was revoked while it minted (401, as its next call would be): the new token is revoked too.</summary>
    public const string IssuerRevoked = ProblemCodes.TokenRevoked;
}
