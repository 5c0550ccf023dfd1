using System.Text.Json;
using Gateway.Oversight.Register;
using Gateway.Policy;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// Who may not decide an approval request, whoever asks through whichever identity: the <c>human_owner</c> of the
/// registered agent at the root of the request's actor chain (for a delegated child or grandchild, the agent that
/// issued the chain, not the child whose id the request carries) and the person the chain acts for (by their provider
/// <c>sub</c>, or by their register id where the tenant names people by another claim; where that claim was missing from
/// their token, anyone the caller cannot show by their <c>sub</c> not to be them). The chain is the one
/// the decision that opened the request carried (its explanation's <c>actor_chain</c>, written by the gateway); a request
/// without one is its registered agent's own. A request whose root cannot be established (no chain, and an agent the
/// register does not list) is refused: fail closed. The admin API and the console ask the same question here.
/// </summary>
public static class ApprovalConflicts
{
    /// <summary>
    /// Null when <paramref name="person"/> may decide <paramref name="request"/>; else the refusal's code:
    /// <see cref="ApprovalErrorCodes.OwnRequest"/> (they own the root agent, or the request acts for them or, unknown by the claim the tenant names people by, may) or
    /// <see cref="ApprovalErrorCodes.RequesterUnknown"/>. <paramref name="subject"/>, when given, is the approver's subject at
    /// the identity provider (a console sign-in's <c>sub</c>), compared with the person acted for as well as
    /// <paramref name="person"/> (the register's id), since an agent names that person by their token's <c>sub</c>.
    /// </summary>
    public static string? Of(IRegisterDirectory register, ApprovalRequest request, string person, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(person);
        if (ChainOf(request) is not { } chain)
        {
            if (!register.HasAgent(request.Tenant, request.Agent))
            {
                return ApprovalErrorCodes.RequesterUnknown;
            }

            chain = ActorChain.Of(request.Agent);
        }

        return chain.Person?.Id is { } actedFor && ActsFor(register, request, actedFor, person, subject)
            || register.OwnsAgent(request.Tenant, chain.Agent, person)
            ? ApprovalErrorCodes.OwnRequest
            : null;
    }

    // The request acts for the approver, or may: where the tenant names people by another claim than sub and the person's
    // token carried none (no register_id), an approver known only by their register id (an admin-API token, a console
    // session signed in with one) cannot be told apart from the person acted for, so is refused (fail closed).
    private static bool ActsFor(IRegisterDirectory register, ApprovalRequest request, string actedFor, string person, string? subject)
    {
        if (string.Equals(actedFor, person, StringComparison.Ordinal) || string.Equals(actedFor, subject, StringComparison.Ordinal))
        {
            return true;
        }

        return RegisterIdActedFor(request) is { } registerId
            ? string.Equals(registerId, person, StringComparison.Ordinal)
            : subject is null && register is IRegisterPersonClaim claim && !claim.NamesPeopleBySubject(request.Tenant);
    }

    // The register id of the person acted for (the explanation's person.register_id), written when the tenant names people
    // by another claim than their sub: the id an approver token or a console session names them by.
    private static string? RegisterIdActedFor(ApprovalRequest request) =>
        request.Explanation is { ValueKind: JsonValueKind.Object } explanation
        && explanation.TryGetProperty("person", out var acted) && acted.ValueKind == JsonValueKind.Object
        && acted.TryGetProperty("register_id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    /// <summary>
    /// The actor chain the decision that opened <paramref name="request"/> carried, its last link the request's agent;
    /// null when the explanation names none (a registered agent acting for no one) or names one that is malformed or
    /// another actor's.
    /// </summary>
    public static ActorChain? ChainOf(ApprovalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Explanation is not { ValueKind: JsonValueKind.Object } explanation
            || !explanation.TryGetProperty("actor_chain", out var links) || links.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var parsed = new List<ActorLink>(links.GetArrayLength());
        foreach (var link in links.EnumerateArray())
        {
            if (link.ValueKind != JsonValueKind.Object
                || !link.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !link.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String
                || !WireNames.TryParse<ActorKind>(kind.GetString(), out var actorKind))
            {
                return null;
            }

            parsed.Add(new ActorLink(actorKind, id.GetString()!));
        }

        try
        {
            var chain = ActorChain.From(parsed);
            return string.Equals(chain.Actor.Id, request.Agent, StringComparison.Ordinal) ? chain : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
