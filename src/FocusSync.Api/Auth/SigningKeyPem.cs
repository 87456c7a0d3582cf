using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace FocusSync.Api.Auth;

internal static class SigningKeyPem
{
    public static bool TryParse(string kid, string pem, [NotNullWhen(true)] out RsaSecurityKey? key)
    {
        key = null;
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            return false;
        }

        var label = pem[fields.Label];
        try
        {
            RSA? rsa;
            if (label == "CERTIFICATE")
            {
                using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(pem[fields.Base64Data]));
                rsa = certificate.GetRSAPublicKey();
            }
            else if (label is "PUBLIC KEY" or "RSA PUBLIC KEY")
            {
                rsa = RSA.Create();
                rsa.ImportFromPem(pem);
            }
            else
            {
                return false;
            }

            if (rsa is null)
            {
                return false;
            }

            key = new RsaSecurityKey(rsa) { KeyId = kid };
            return true;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return false;
        }
    }
}
