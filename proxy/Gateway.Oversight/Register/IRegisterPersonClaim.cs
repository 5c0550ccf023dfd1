namespace Gateway.Oversight.Register;

/// <summary>
/// How a tenant's register names people, for an <see cref="IRegisterDirectory"/> that knows it: by their <c>sub</c> at the
/// tenant's OpenID provider, or by another claim (the console's <c>PersonClaim</c>, such as <c>email</c>). A directory that
/// does not implement it names people by <c>sub</c> (the default <c>PersonClaim</c>).
/// </summary>
public interface IRegisterPersonClaim
{
    /// <summary>True when <paramref name="tenant"/>'s register ids are its people's <c>sub</c> at its OpenID provider.</summary>
    bool NamesPeopleBySubject(string tenant);
}
