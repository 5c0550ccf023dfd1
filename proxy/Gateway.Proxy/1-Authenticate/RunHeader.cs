using Gateway.Connectors.Signing;
using Gateway.Oversight;
using Gateway.Oversight.Runs;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Authenticate;

/// <summary>
/// The <c>X-Gamut-Run</c> header of one request, read strictly: absent (the request belongs to no run), or present once
/// with a run id's exact form (<see cref="RunIds.IsValid"/>); anything else is <c>malformed_header</c>. Nothing here
/// touches the store: whether the run is the agent's is decided once the signature covering it is proven.
/// </summary>
internal static class RunHeader
{
    /// <summary>False with the refusal's code and detail when the header is malformed; else the run id, or null without one.</summary>
    public static bool TryRead(IHeaderDictionary headers, out string? run, out string code, out string detail)
    {
        StringValues values = headers[SignatureHeaders.Run];
        (run, code, detail) = (null, string.Empty, string.Empty);
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1 || !RunIds.IsValid(values[0]))
        {
            code = ProblemCodes.MalformedHeader;
            detail = $"{SignatureHeaders.Run} must appear once and be a run id: {RunIds.Prefix} followed by 32 lowercase hex characters.";
            return false;
        }

        run = values[0];
        return true;
    }
}
