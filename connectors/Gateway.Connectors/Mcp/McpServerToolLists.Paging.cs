using ModelContextProtocol;

namespace Gateway.Connectors.Mcp;

/// <summary>
/// How the gateway reads a server's paginated listing (its tools, prompts, resources, resource templates): page by page,
/// bounded, so that a server that pages forever (or answers too much) cannot keep the session's gate, nor grow the
/// gateway's memory, without end. A page with nothing on it ends the listing, whatever cursor it carries; a listing
/// longer than <see cref="MaxListingPages"/> pages or <see cref="MaxListingItems"/> items fails, as a server that cannot
/// be reached does: only that server's listing is affected.
/// </summary>
public sealed partial class McpServerToolLists
{
    /// <summary>The most pages one listing of a server is read in; a listing that goes on past them fails.</summary>
    public const int MaxListingPages = 100;

    /// <summary>The most items (tools, prompts, resources, templates) one listing of a server may hold; more fails it.</summary>
    public const int MaxListingItems = 10_000;

    /// <summary>
    /// Reads a listing a page at a time (<paramref name="page"/>: the page at a cursor, and the next cursor), bounded by
    /// <see cref="MaxListingPages"/> and <see cref="MaxListingItems"/>: past either, throws (an exception
    /// <see cref="WithServerAsync"/> and the tools' listing take for the server's failure, leaving its session open).
    /// </summary>
    public static async ValueTask<List<T>> ReadPagesAsync<T>(Func<string?, CancellationToken, ValueTask<(IList<T> Items, string? NextCursor)>> page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var items = new List<T>();
        string? cursor = null;
        for (var pages = 1; ; pages++)
        {
            var (served, next) = await page(cursor, cancellationToken).ConfigureAwait(false);
            if (items.Count + served.Count > MaxListingItems)
            {
                throw new ListingTooLongException($"the listing holds more than {MaxListingItems} items");
            }

            items.AddRange(served);
            if (next is null || served.Count == 0)
            {
                return items;
            }

            if (pages == MaxListingPages)
            {
                throw new ListingTooLongException($"the listing goes on past {MaxListingPages} pages");
            }

            cursor = next;
        }
    }

    /// <summary>A server's listing past the bounds, or an answer past the session's answer limit: the server answered, so its session stays open.</summary>
    private sealed class ListingTooLongException(string message) : McpException(message);
}
