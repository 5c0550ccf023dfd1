namespace Gateway.Proxy.Hosting;

/// <summary>Serves the hand-written OpenAPI document of the HTTP surface (docs/openapi.yaml, copied beside the binary).</summary>
internal static class OpenApiDocument
{
    public static IResult Serve(IWebHostEnvironment environment)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "openapi.yaml");
        return File.Exists(path)
            ? Results.File(path, "application/yaml")
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "The OpenAPI document is not packaged with this build.");
    }
}
