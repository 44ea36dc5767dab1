<?php
// Call a WS-Security protected StockQuote through the gateway with PHP's
// SoapClient (ext/soap), which has no WS-Security of its own: the
// UsernameToken is a hand-built SoapHeader (XSD_ANYXML), as PHP users write
// it. Usage: php php_wsse_client.php WSDL_URL USER PASSWORD
// Over SOAP 1.1 and 1.2, calls GetQuote(ACME) with PasswordText and
// PasswordDigest, each with the right and a wrong password, and once with no
// token. Prints one JSON object; the Go test checks it.

const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const UTP = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
const B64 = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

function security_header($user, $password, $digest) {
    $u = htmlspecialchars($user, ENT_XML1);
    if ($digest) {
        $nonce = random_bytes(16);
        $created = gmdate('Y-m-d\TH:i:s\Z');
        $pw = base64_encode(sha1($nonce . $created . $password, true));
        $token = '<wsse:Username>' . $u . '</wsse:Username>'
            . '<wsse:Password Type="' . UTP . '#PasswordDigest">' . $pw . '</wsse:Password>'
            . '<wsse:Nonce EncodingType="' . B64 . '">' . base64_encode($nonce) . '</wsse:Nonce>'
            . '<wsu:Created>' . $created . '</wsu:Created>';
    } else {
        $token = '<wsse:Username>' . $u . '</wsse:Username>'
            . '<wsse:Password Type="' . UTP . '#PasswordText">' . htmlspecialchars($password, ENT_XML1) . '</wsse:Password>';
    }
    $xml = '<wsse:Security xmlns:wsse="' . WSSE . '" xmlns:wsu="' . WSU . '">'
        . '<wsse:UsernameToken>' . $token . '</wsse:UsernameToken></wsse:Security>';
    return new SoapHeader(WSSE, 'Security', new SoapVar($xml, XSD_ANYXML), false);
}

function call($wsdl, $version, $header) {
    $client = new SoapClient($wsdl, ['soap_version' => $version, 'exceptions' => true, 'cache_wsdl' => WSDL_CACHE_NONE]);
    try {
        $reply = $client->__soapCall('GetQuote', [['Symbol' => 'ACME']], null, $header === null ? null : [$header]);
        return ['ok' => true, 'symbol' => $reply->Symbol];
    } catch (SoapFault $f) {
        return ['ok' => false, 'code' => $f->faultcode, 'message' => $f->getMessage()];
    }
}

[$script, $wsdl, $user, $password] = $argv;
$out = ['php' => PHP_VERSION];
foreach (['soap11' => SOAP_1_1, 'soap12' => SOAP_1_2] as $key => $version) {
    $out[$key] = [
        'text' => call($wsdl, $version, security_header($user, $password, false)),
        'digest' => call($wsdl, $version, security_header($user, $password, true)),
        'text_wrong' => call($wsdl, $version, security_header($user, $password . '-wrong', false)),
        'digest_wrong' => call($wsdl, $version, security_header($user, $password . '-wrong', true)),
        'none' => call($wsdl, $version, null),
    ];
}
echo json_encode($out, JSON_PRETTY_PRINT), "\n";
