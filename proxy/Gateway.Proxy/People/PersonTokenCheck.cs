using Gateway.Policy;

namespace Gateway.Proxy.People;

/// <summary>What checking a person's identity token gave: the person (and when the token expires), or the refusal's status, code and detail.</summary>
internal readonly record struct PersonTokenCheck(ActingPerson? Person, DateTimeOffset Expires, int Status, string Code, string Detail)
{
    public static PersonTokenCheck Verified(ActingPerson person, DateTimeOffset expires) => new(person, expires, 0, string.Empty, string.Empty);

    public static PersonTokenCheck Refused(int status, string code, string detail) => new(null, default, status, code, detail);
}
