using System.Net;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Bundles;

/// <summary>
/// Reads an agent's <c>interactive:</c> block (<see cref="InteractiveAccess"/>): people, groups, clients with their
/// redirect URIs (absolute, no fragment; plain http only on a loopback host, whose port a native client may choose at
/// run time) or identified by a client ID metadata document (an https <c>client_id</c> with a path, no
/// <c>redirect_uris</c>), the workspace, the longest session and where people sign in.
/// </summary>
internal sealed class InteractiveSectionParser(YamlNodeReader reader, CrossReferences references)
{
    public InteractiveAccess? Parse(YamlNode node, string? agent)
    {
        var what = $"agent '{agent}' interactive";
        var f = reader.Mapping(node, what, "people", "groups", "clients", "workspace", "max_session", "dynamic_registration", "scopes", "sign_in");
        if (f is null)
        {
            return null;
        }

        var people = f["people"] is { } pn ? reader.StringList(pn, what + ".people").Select(p => p.Value).ToList() : [];
        var groups = f["groups"] is { } gn ? reader.StringList(gn, what + ".groups").Select(g => g.Value).ToList() : [];
        if (people.Count == 0 && groups.Count == 0)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"{what} needs people or groups (who may sign in through an interactive client)");
        }

        var dynamic = f.OptionalBool("dynamic_registration", false);
        var clients = new List<InteractiveClient>();
        if ((dynamic ? f["clients"] : f.Required("clients")) is { } cn)
        {
            var index = 0;
            foreach (var item in reader.Sequence(cn, what + ".clients"))
            {
                var at = $"{what}.clients[{index++}]";
                if (ParseClient(item, what, at) is { } client)
                {
                    if (clients.FindIndex(c => c.ClientId == client.ClientId) is var earlier and >= 0)
                    {
                        reader.Error(item, BundleErrorCodes.DuplicateId, $"{at}.client_id is the one of {what}.clients[{earlier}]: a client is listed once");
                    }

                    clients.Add(client);
                }
            }
        }

        var maxSession = TimeSpan.FromHours(8);
        if (f["max_session"] is { } ms && reader.Duration(ms, what + ".max_session") is { } session)
        {
            if (session > InteractiveAccess.MaxMaxSession)
            {
                reader.Error(ms, BundleErrorCodes.InvalidValue, $"{what}.max_session must be at most 30d");
            }

            maxSession = session;
        }

        var scopes = f["scopes"] is { } sn ? ParseScopes(sn, what) : [];
        var signIn = f["sign_in"] is { } si ? reader.Enum<InteractiveSignIn>(si, what + ".sign_in") ?? InteractiveSignIn.OpenIdProvider : InteractiveSignIn.OpenIdProvider;
        var workspace = f.RequiredString("workspace");
        return workspace is null ? null : new InteractiveAccess
        {
            People = people,
            Groups = groups,
            Clients = clients,
            Workspace = workspace,
            MaxSession = maxSession,
            DynamicRegistration = dynamic,
            Scopes = scopes,
            SignIn = signIn,
        };
    }

    /// <summary><c>scopes: { name: [tool, …] }</c>: each name an OAuth scope token, each list one or more catalog names (or names above some).</summary>
    private List<InteractiveScope> ParseScopes(YamlNode node, string what)
    {
        var scopes = new List<InteractiveScope>();
        if (node is not YamlMappingNode mapping)
        {
            reader.Error(node, BundleErrorCodes.InvalidValue, $"{what}.scopes must be a mapping of scope names to tool lists");
            return scopes;
        }

        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!InteractiveScope.IsScopeToken(name))
            {
                reader.Error(key, BundleErrorCodes.InvalidValue, $"{what}.scopes names a scope that is not an OAuth scope token (printable ASCII, no space, quote or backslash; at most 64 characters); the name is not repeated here");
                continue;
            }

            var listed = reader.StringList(value, $"{what}.scopes.{name}");
            foreach (var (tool, toolNode) in listed)
            {
                // A misspelt name would cover nothing, and a tool no scope covers needs no consent at all.
                references.Reference(toolNode, "tool-prefix", tool, $"{what}.scopes.{name}");
            }

            var tools = listed.Select(t => t.Value).ToList();
            if (tools.Count == 0)
            {
                reader.Error(value, BundleErrorCodes.MissingRequired, $"{what}.scopes.{name} must list at least one tool");
                continue;
            }

            scopes.Add(new InteractiveScope(name, tools));
        }

        return scopes;
    }

    // A client's errors name it by its place in the list (at), never by its client_id or a redirect URI: a secret pasted
    // there, or a URL holding one, would be printed and logged with the error.
    private InteractiveClient? ParseClient(YamlNode node, string what, string at)
    {
        var f = reader.Mapping(node, at, "client_id", "redirect_uris");
        if (f?.RequiredString("client_id") is not { } clientId)
        {
            return null;
        }

        if (clientId.Length > 255 || clientId.Any(char.IsControl))
        {
            reader.Error(f["client_id"]!, BundleErrorCodes.InvalidValue, $"{at}.client_id must be at most 255 printable characters (its value is not shown)");
        }

        var uris = new List<string>();
        if (f["redirect_uris"] is { } rn)
        {
            var index = 0;
            foreach (var (uri, uriNode) in reader.StringList(rn, at + ".redirect_uris"))
            {
                var uriAt = $"{at}.redirect_uris[{index++}]";
                if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !string.IsNullOrEmpty(parsed.Fragment)
                    || (parsed.Scheme == Uri.UriSchemeHttp && !IsLoopback(parsed)))
                {
                    reader.Error(uriNode, BundleErrorCodes.InvalidUrl,
                        $"{uriAt} must be an absolute URI without a fragment (plain http only on a loopback host; its value is not shown)");
                    continue;
                }

                uris.Add(uri);
            }
        }

        if (uris.Count == 0 && f["redirect_uris"] is null)
        {
            // A client ID metadata document: the client_id is the document's URL, which names the redirect URIs.
            if (!Uri.TryCreate(clientId, UriKind.Absolute, out var document) || !string.IsNullOrEmpty(document.Fragment) || document.AbsolutePath == "/"
                || !(document.Scheme == Uri.UriSchemeHttps || (document.Scheme == Uri.UriSchemeHttp && IsLoopback(document))))
            {
                reader.Error(node, BundleErrorCodes.MissingRequired,
                    $"{at} needs redirect_uris, or a client_id that is a client ID metadata document's https URL with a path (its client_id is not shown)");
            }
        }
        else if (uris.Count == 0)
        {
            reader.Error(node, BundleErrorCodes.MissingRequired, $"{at} needs at least one redirect URI");
        }

        return new InteractiveClient(clientId, uris);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
