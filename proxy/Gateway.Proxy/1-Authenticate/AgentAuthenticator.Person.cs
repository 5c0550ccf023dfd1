using Gateway.Connectors.Signing;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.People;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The person half of the Authenticate stage: a signed request may carry the identity token of the person the agent acts for
/// (<c>X-Gamut-Person</c>). Its SHA-256 is the tenth line of the v1 canonical string, or the header is a covered
/// component of the RFC 9421 signature (<see cref="MessageSignature.PersonComponent"/>), so the signature binds the token
/// to this one request; once the signature verified, the token is checked against the tenant's OpenID provider
/// (<see cref="PersonAuthentication"/>) and the person joins the identity (<see cref="AgentIdentity.Person"/>). A request
/// presenting an access token instead of a signature, or an RFC 9421 signature not covering the header, has nothing
/// binding the token and is refused.
/// </summary>
internal sealed partial class AgentAuthenticator
{
    /// <summary>
    /// The person's token as sent, or the refusal: a malformed header, or one that <paramref name="signed"/> says no
    /// signature covers (sent with an access token, or outside an RFC 9421 signature's components).
    /// </summary>
    private static bool TryReadPersonToken(HttpContext context, bool signed, out string? token, out string code, out string detail)
    {
        if (!context.Request.Headers.ContainsKey(SignatureHeaders.Person))
        {
            // Most requests act for no one: nothing more to resolve on the hot path.
            (token, code, detail) = (null, string.Empty, string.Empty);
            return true;
        }

        var people = context.RequestServices.GetService<PersonAuthentication>();
        if (!PersonTokenHeader.TryRead(context.Request.Headers, people?.MaxTokenLength ?? 0, out token, out code, out detail))
        {
            return false;
        }

        if (token is not null && (!signed || people is null))
        {
            (token, code, detail) = (null, ProblemCodes.PersonTokenUnbound,
                $"{SignatureHeaders.Person} is accepted only on a request whose signature covers it: {SignatureHeaders.Signature} (its tenth line), or an RFC 9421 signature covering \"{MessageSignature.PersonComponent}\".");
            return false;
        }

        return true;
    }

    /// <summary>The tenth canonical line for <paramref name="token"/>, or null without one.</summary>
    private static string? PersonLine(string? token) => token is null ? null : CanonicalRequest.HashPersonToken(token);

    /// <summary>
    /// The identity with the verified person and the feature's <see cref="PresentedPerson"/>, or the refusal, recorded under
    /// the agent: once a minute (an unexpected failure's too, <see cref="RecordedInternal"/>), but a store outage's each time
    /// (the once-a-minute claim needs the store).
    /// </summary>
    private static async ValueTask<(AgentIdentity? Identity, Refusal? Refusal)> AddPersonAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity claimed, string token)
    {
        var people = context.RequestServices.GetRequiredService<PersonAuthentication>();
        PersonTokenCheck check;
        try
        {
            check = await people.AuthenticateAsync(context, claimed, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (UnexpectedAfterSignature(context, ex))
        {
            return (null, RecordedInternal(context, PersonAuthentication.RecordedUnder(claimed), ex));
        }

        if (check.Person is not { } person)
        {
            var outage = check.Code == ProblemCodes.StoreUnavailable;
            var refusal = new Refusal(check.Status, check.Code, check.Detail) { RecordedOncePerMinute = !outage, RetryAfter = outage ? Refusal.ShortRetryAfter : null };
            return (null, Recorded(context, PersonAuthentication.RecordedUnder(claimed), refusal));
        }

        feature.Add(new PresentedPerson(person, check.Expires) { Token = token });
        return (claimed with { Person = person }, null);
    }

    /// <summary>
    /// The identity with its verified person at the head of its actor chain: prepended to a chain that names none (an
    /// agent's, or a child's issued without a person); a child's chain that names another person is null (refused).
    /// </summary>
    private static AgentIdentity? PersonAtHead(AgentIdentity claimed)
    {
        var person = claimed.Person!;
        var chain = claimed.Chain;
        if (chain.Person is { } head)
        {
            return string.Equals(head.Id, person.Subject, StringComparison.Ordinal) ? claimed : null;
        }

        return claimed with { Chain = ActorChain.From([new ActorLink(ActorKind.Person, person.Subject), .. chain.Links]) };
    }
}
